package dev.limiter

import dev.limiter.internal.Bucket
import dev.limiter.internal.BucketEntry
import dev.limiter.internal.UsageRecorder
import kotlinx.coroutines.yield
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/**
 * Keeps buckets in memory: one per (policy, key), each guarded by its own coroutine [Mutex].
 *
 * A named policy's buckets belong to its name and algorithm, not its numbers: when a policy
 * named `free` changes capacity or rate (hot reload, adaptive scaling), its keys keep their
 * buckets, carried over to the new numbers without gaining permits (see [BucketStore]).
 *
 * [tryConsumeAll] locks the buckets of all levels in one fixed order (policy identity, then
 * key), so that two multi-level requests never wait on each other in a cycle; it decides every
 * level on the locked state and charges all or none.
 *
 * Decisions take the key's lock with a non-suspending `tryLock` first; only a contended key
 * suspends (or, on the blocking path, spins briefly). Different keys never contend.
 *
 * Memory stays bounded under a flood of new keys: a bucket that has refilled completely (or
 * whose window has emptied) behaves exactly like a new one, so the store drops it. Sweeps run
 * inline, amortised over insertions (a sweep once there are 65,536 buckets, then whenever their
 * number has doubled since the last one), and never change a decision. As a last resort, when more than [maxKeys]
 * buckets are live at once, the sweep also drops the buckets closest to idle, which lets
 * those keys start over with a full bucket.
 */
public class LocalBucketStore @JvmOverloads constructor(
    /** The most buckets kept at once; beyond it the buckets closest to idle are dropped. */
    public val maxKeys: Int = DEFAULT_MAX_KEYS,
) : BucketStore {
    private val byPolicy = ConcurrentHashMap<String, ConcurrentHashMap<String, BucketEntry>>()
    private val count = AtomicInteger()
    private val sweepAt = AtomicInteger(nextSweepAt(0))
    private val sweeping = AtomicInteger()
    private val lastNow = AtomicLong(Long.MIN_VALUE)

    init {
        require(maxKeys >= 1) { "maxKeys must be at least 1, was $maxKeys" }
    }

    /** Buckets held right now, across all policies. */
    public val size: Int get() = count.get()

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision {
        while (true) {
            val entry = entry(key, policy, nowMicros)
            entry.lock()
            try {
                if (entry.removed) continue
                return entry.bucket(policy, nowMicros).consume(nowMicros, permits, key)
            } finally {
                entry.unlock()
            }
        }
    }

    override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? {
        while (true) {
            val entry = entry(key, policy, nowMicros)
            if (!entry.spinLock()) return null
            try {
                if (entry.removed) continue
                return entry.bucket(policy, nowMicros).consume(nowMicros, permits, key)
            } finally {
                entry.release()
            }
        }
    }

    /**
     * [tryConsumeNow], counting the decision in [usage] through the counters remembered in the
     * key's entry: the limiter's fast path, with one map lookup per decision.
     */
    internal fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long, usage: UsageRecorder): Decision? {
        while (true) {
            val entry = entry(key, policy, nowMicros)
            if (!entry.spinLock()) return null
            val bucket: Bucket
            val allowed: Boolean
            val remaining: Long
            val retryAfter: Long
            val resetAfter: Long
            try {
                if (entry.removed) continue
                bucket = entry.bucket(policy, nowMicros)
                bucket.evaluate(nowMicros, permits, commit = true)
                allowed = bucket.allowed
                remaining = bucket.remaining
                retryAfter = bucket.retryAfter
                resetAfter = bucket.resetAfter
                val cached = entry.usage
                val counters = usage.countLocked(cached, key, allowed, permits, nowMicros)
                if (counters !== cached) entry.usage = counters // no store to the word's line when unchanged
            } finally {
                entry.release()
            }
            // The decision is built after the lock is released: the lock is held only for the state.
            return bucket.decision(allowed, remaining, retryAfter, resetAfter, key)
        }
    }

    override suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> {
        if (requests.size == 1) {
            val r = requests[0]
            return listOf(tryConsume(r.key, r.policy, r.permits, nowMicros))
        }
        while (true) {
            val entries = lockOrder(requests, nowMicros)
            lockAll(entries)
            try {
                if (entries.any { it.removed }) continue
                return decideAll(requests, nowMicros)
            } finally {
                for (entry in entries) entry.unlock()
            }
        }
    }

    /**
     * Answers [tryConsumeAll] without suspending, or `null` when a bucket stays locked by
     * another caller for longer than a brief spin.
     */
    override fun tryConsumeAllNow(requests: List<BucketRequest>, nowMicros: Long): List<Decision>? {
        if (requests.size == 1) {
            val r = requests[0]
            return tryConsumeNow(r.key, r.policy, r.permits, nowMicros)?.let(::listOf)
        }
        while (true) {
            val entries = lockOrder(requests, nowMicros)
            if (!spinLockAll(entries)) return null
            try {
                if (entries.any { it.removed }) continue
                return decideAll(requests, nowMicros)
            } finally {
                for (entry in entries) entry.release()
            }
        }
    }

    /**
     * Takes every entry's word, each within a brief spin (shorter once some are held, since
     * their keys' callers wait meanwhile); on failure holds none of them.
     */
    private fun spinLockAll(entries: List<BucketEntry>): Boolean {
        for (i in entries.indices) {
            if (!entries[i].spinLock(if (i == 0) BucketEntry.MAX_PAUSES else BucketEntry.HOLDING_PAUSES)) {
                for (j in 0 until i) entries[j].release()
                return false
            }
        }
        return true
    }

    /**
     * Locks [entries] for a suspending caller: their mutexes in order, then their words, which
     * are taken all at once or not at all, so that no word is held across a suspension.
     */
    private suspend fun lockAll(entries: List<BucketEntry>) {
        var locked = 0
        try {
            for (entry in entries) {
                entry.mutex.lock()
                locked++
            }
            while (!spinLockAll(entries)) yield()
            for (entry in entries) entry.holdsMutex = true
        } catch (e: Throwable) {
            for (i in 0 until locked) entries[i].mutex.unlock()
            throw e
        }
    }

    /** The distinct entries of [requests], in the one order every multi-level caller locks them in. */
    private fun lockOrder(requests: List<BucketRequest>, now: Long): List<BucketEntry> {
        val sorted = requests.sortedWith(REQUEST_ORDER)
        val entries = ArrayList<BucketEntry>(sorted.size)
        for (r in sorted) {
            val entry = entry(r.key, r.policy, now)
            if (entries.none { it === entry }) entries.add(entry)
        }
        return entries
    }

    /**
     * Decides [requests] with every bucket locked: first whether each bucket can give all the
     * permits asked of it, charging nothing; then, only when every level fits, charges each. A
     * refused request thus changes no bucket. As in the Lua twin (`limiter.lua`), a level
     * sharing its bucket with earlier levels is asked for their permits and its own together,
     * and a refused request reports those checks, so the level that overflows the bucket is
     * the one denied.
     */
    private fun decideAll(requests: List<BucketRequest>, now: Long): List<Decision> {
        val buckets = requests.map { r -> bucketsOf(r.policy).getValue(r.key).bucket(r.policy, now) }
        val asked = LongArray(requests.size)
        var fits = true
        for (i in requests.indices) {
            var total = requests[i].permits
            for (j in 0 until i) if (buckets[j] === buckets[i]) total += requests[j].permits
            asked[i] = total
            buckets[i].evaluate(now, total, commit = false)
            if (!buckets[i].allowed) fits = false
        }
        return requests.mapIndexed { i, r ->
            if (fits) buckets[i].consume(now, r.permits, r.key) else buckets[i].peek(now, asked[i], r.key)
        }
    }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot {
        val entry = byPolicy[policy.bucketIdentity]?.get(key) ?: return Bucket.create(policy, nowMicros).inspect(nowMicros, permits)
        entry.lock()
        try {
            // A bucket dropped meanwhile was idle: a new one answers the same.
            return if (entry.removed) Bucket.create(policy, nowMicros).inspect(nowMicros, permits)
            else entry.bucket(policy, nowMicros).inspect(nowMicros, permits)
        } finally {
            entry.unlock()
        }
    }

    override suspend fun reset(key: String, policy: LimitPolicy) {
        val buckets = byPolicy[policy.bucketIdentity] ?: return
        val entry = buckets[key] ?: return
        entry.lock()
        try {
            if (!entry.removed && buckets.remove(key, entry)) {
                entry.removed = true
                count.decrementAndGet()
            }
        } finally {
            entry.unlock()
        }
    }

    /** Drops every bucket. */
    public fun clear() {
        recent = null
        byPolicy.clear()
        count.set(0)
    }

    private fun entry(key: String, policy: LimitPolicy, now: Long): BucketEntry {
        val buckets = bucketsOf(policy)
        buckets[key]?.let { return it }
        val created = BucketEntry(Bucket.create(policy, now))
        val existing = buckets.putIfAbsent(key, created)
        if (existing != null) return existing
        if (count.incrementAndGet() >= sweepAt.get()) sweep(now)
        return created
    }

    /** A limiter asks with the same policy object every time: remember the last one's map. */
    @Volatile
    private var recent: PolicyBuckets? = null

    private fun bucketsOf(policy: LimitPolicy): ConcurrentHashMap<String, BucketEntry> {
        recent?.let { if (it.policy === policy) return it.buckets }
        val identity = policy.bucketIdentity
        val buckets = byPolicy[identity] ?: byPolicy.computeIfAbsent(identity) { ConcurrentHashMap() }
        recent = PolicyBuckets(policy, buckets)
        return buckets
    }

    private class PolicyBuckets(val policy: LimitPolicy, val buckets: ConcurrentHashMap<String, BucketEntry>)

    /** Drops idle buckets; when more than [maxKeys] stay live, also the ones closest to idle. */
    internal fun sweep(now: Long) {
        if (!sweeping.compareAndSet(0, 1)) return
        try {
            val latest = maxOf(now, lastNow.updateAndGet { maxOf(it, now) })
            removeWhere { it.idleAt() <= latest }
            val excess = count.get() - maxKeys
            if (excess > 0) evictClosestToIdle(excess)
            sweepAt.set(nextSweepAt(count.get()))
        } finally {
            sweeping.set(0)
        }
    }

    private fun nextSweepAt(live: Int): Int = maxOf(MIN_SWEEP, live * 2).coerceAtMost(maxKeys + maxKeys / 8 + 1)

    private fun evictClosestToIdle(excess: Int) {
        val idleTimes = ArrayList<Long>(count.get())
        for (buckets in byPolicy.values) for (entry in buckets.values) idleTimes.add(entry.bucket.idleAt())
        if (idleTimes.size <= excess) return
        idleTimes.sort()
        val cutoff = idleTimes[excess - 1]
        var left = excess
        removeWhere { left > 0 && it.idleAt() <= cutoff && left-- > 0 }
    }

    private inline fun removeWhere(crossinline drop: (Bucket) -> Boolean) {
        for (buckets in byPolicy.values) {
            val it = buckets.entries.iterator()
            while (it.hasNext()) {
                val (key, entry) = it.next()
                // A locked bucket is in use: not idle, whatever its numbers say.
                if (!entry.tryLock()) continue
                try {
                    if (!entry.removed && drop(entry.bucket) && buckets.remove(key, entry)) {
                        entry.removed = true
                        count.decrementAndGet()
                    }
                } finally {
                    entry.release()
                }
            }
        }
    }

    override fun toString(): String = "LocalBucketStore(size=$size, maxKeys=$maxKeys)"

    public companion object {
        /** Default bound on buckets held at once. */
        public const val DEFAULT_MAX_KEYS: Int = 1_000_000
        // Below this many buckets nothing is swept: a working set of a few thousand keys whose
        // buckets refill between calls would otherwise be dropped and rebuilt over and over.
        private const val MIN_SWEEP = 65_536
        private val REQUEST_ORDER: Comparator<BucketRequest> =
            compareBy<BucketRequest> { it.policy.bucketIdentity }.thenBy { it.key }
    }
}
