package dev.limiter

import dev.limiter.internal.Bucket
import kotlinx.coroutines.sync.Mutex
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/**
 * Keeps buckets in memory: one per (policy, key), each guarded by its own coroutine [Mutex].
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
    private val byPolicy = ConcurrentHashMap<LimitPolicy, ConcurrentHashMap<String, Entry>>()
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
            if (!entry.mutex.tryLock()) entry.mutex.lock()
            try {
                if (entry.removed) continue
                return entry.bucket.consume(nowMicros, permits, key)
            } finally {
                entry.mutex.unlock()
            }
        }
    }

    override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? {
        while (true) {
            val entry = entry(key, policy, nowMicros)
            var spins = 0
            while (!entry.mutex.tryLock()) {
                if (++spins > MAX_SPINS) return null
                Thread.onSpinWait()
            }
            try {
                if (entry.removed) continue
                return entry.bucket.consume(nowMicros, permits, key)
            } finally {
                entry.mutex.unlock()
            }
        }
    }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot {
        val entry = byPolicy[policy]?.get(key) ?: return Bucket.create(policy, nowMicros).inspect(nowMicros, permits)
        entry.mutex.lock()
        try {
            // A bucket dropped meanwhile was idle: a new one answers the same.
            return if (entry.removed) Bucket.create(policy, nowMicros).inspect(nowMicros, permits)
            else entry.bucket.inspect(nowMicros, permits)
        } finally {
            entry.mutex.unlock()
        }
    }

    override suspend fun reset(key: String, policy: LimitPolicy) {
        val buckets = byPolicy[policy] ?: return
        val entry = buckets[key] ?: return
        entry.mutex.lock()
        try {
            if (!entry.removed && buckets.remove(key, entry)) {
                entry.removed = true
                count.decrementAndGet()
            }
        } finally {
            entry.mutex.unlock()
        }
    }

    /** Drops every bucket. */
    public fun clear() {
        recent = null
        byPolicy.clear()
        count.set(0)
    }

    private fun entry(key: String, policy: LimitPolicy, now: Long): Entry {
        val buckets = bucketsOf(policy)
        buckets[key]?.let { return it }
        val created = Entry(Bucket.create(policy, now))
        val existing = buckets.putIfAbsent(key, created)
        if (existing != null) return existing
        if (count.incrementAndGet() >= sweepAt.get()) sweep(now)
        return created
    }

    /** A limiter asks with the same policy object every time: remember the last one's map. */
    @Volatile
    private var recent: PolicyBuckets? = null

    private fun bucketsOf(policy: LimitPolicy): ConcurrentHashMap<String, Entry> {
        recent?.let { if (it.policy === policy) return it.buckets }
        val buckets = byPolicy[policy] ?: byPolicy.computeIfAbsent(policy) { ConcurrentHashMap() }
        recent = PolicyBuckets(policy, buckets)
        return buckets
    }

    private class PolicyBuckets(val policy: LimitPolicy, val buckets: ConcurrentHashMap<String, Entry>)

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
                if (!entry.mutex.tryLock()) continue
                try {
                    if (!entry.removed && drop(entry.bucket) && buckets.remove(key, entry)) {
                        entry.removed = true
                        count.decrementAndGet()
                    }
                } finally {
                    entry.mutex.unlock()
                }
            }
        }
    }

    override fun toString(): String = "LocalBucketStore(size=$size, maxKeys=$maxKeys)"

    private class Entry(val bucket: Bucket) {
        val mutex = Mutex()

        @Volatile
        var removed = false
    }

    public companion object {
        /** Default bound on buckets held at once. */
        public const val DEFAULT_MAX_KEYS: Int = 1_000_000
        // Below this many buckets nothing is swept: a working set of a few thousand keys whose
        // buckets refill between calls would otherwise be dropped and rebuilt over and over.
        private const val MIN_SWEEP = 65_536
        private const val MAX_SPINS = 256
    }
}
