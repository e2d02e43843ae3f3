package dev.limiter.internal

import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyUsage
import dev.limiter.UsageStats
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicLongFieldUpdater
import java.util.concurrent.atomic.LongAdder

/**
 * Counts a limiter's decisions, overall and per key.
 *
 * Per-key counts are bounded to [maxKeys] keys: past that, keys idle for the longest are
 * forgotten (a forgotten key reads as never seen), so a flood of keys cannot grow memory.
 * Totals are the per-key counts plus what forgotten or untracked keys left behind, so the hot
 * path touches one key's counters and nothing shared by every key.
 *
 * A store that keeps a slot per key (the local store's bucket entry) may remember the key's
 * [KeyCounters] there and count through [countLocked] with no lookup of its own: one map lookup
 * per decision instead of two.
 */
internal class UsageRecorder(private val maxKeys: Int = DEFAULT_MAX_KEYS) {
    /** Decisions of keys not (or no longer) tracked one by one. */
    private val otherAllowed = LongAdder()
    private val otherRejected = LongAdder()
    private val queued = LongAdder()
    private val timedOut = LongAdder()
    private val waitedGranted = LongAdder()
    private val waitTotalMicros = LongAdder()
    private val waitMaxMicros = AtomicLong()
    private val keys = ConcurrentHashMap<String, KeyCounters>()

    fun record(decision: Decision, permits: Long, nowMicros: Long, waitedMicros: Long, wasQueued: Boolean) {
        count(countersFor(decision.key), decision.allowed, permits, nowMicros)
        if (wasQueued) {
            queued.increment()
            if (decision.reason == DenyReason.QUEUE_TIMEOUT) timedOut.increment()
            if (decision.allowed) {
                waitedGranted.increment()
                waitTotalMicros.add(waitedMicros)
                waitMaxMicros.accumulateAndGet(waitedMicros, ::maxOf)
            }
        }
    }

    /** [key]'s counters, `null` when untracked; count a decision through them with [record]. */
    fun countersOf(key: String): KeyCounters? = countersFor(key)

    /**
     * Counts a decision taken without queueing through [counters], found earlier by
     * [countersOf]; looked up again when they were forgotten meanwhile, so no count is lost.
     */
    fun record(counters: KeyCounters?, decision: Decision, permits: Long, nowMicros: Long) {
        val live = if (counters == null || counters.forgotten) countersFor(decision.key) else counters
        count(live, decision.allowed, permits, nowMicros)
    }

    /**
     * Counts a decision taken without queueing for [key], through [cached] when it still holds
     * this recorder's counters of [key]; returns the counters to keep for the next decision.
     *
     * Only for a caller that holds the lock of the key's one live bucket entry: the counts go
     * to fields only such callers write, with plain increments and release stores (no atomic
     * read-modify-write), since that lock already orders them.
     */
    fun countLocked(cached: KeyCounters?, key: String, allowed: Boolean, permits: Long, nowMicros: Long): KeyCounters? {
        val counters = if (cached != null && cached.owner === this && !cached.forgotten) cached else countersFor(key)
        if (counters == null) {
            if (allowed) otherAllowed.increment() else otherRejected.increment()
            return null
        }
        if (allowed) {
            LOCKED_ALLOWED.lazySet(counters, counters.lockedAllowed + 1)
            if (permits != 1L) LOCKED_EXTRA.lazySet(counters, counters.lockedExtra + permits - 1)
        } else {
            LOCKED_REJECTED.lazySet(counters, counters.lockedRejected + 1)
        }
        if (nowMicros - counters.lastSeen > RECENCY_MICROS) counters.lastSeen = nowMicros
        return counters
    }

    private fun count(counters: KeyCounters?, allowed: Boolean, permits: Long, nowMicros: Long) {
        if (counters == null) {
            if (allowed) otherAllowed.increment() else otherRejected.increment()
            return
        }
        if (allowed) {
            ALLOWED.incrementAndGet(counters)
            // Most requests take one permit: count only the extra ones separately.
            if (permits != 1L) EXTRA.addAndGet(counters, permits - 1)
        } else {
            REJECTED.incrementAndGet(counters)
        }
        // Recency only decides which keys to forget first: a second's precision is plenty,
        // and skipping the write keeps the hot path free of a shared store.
        if (nowMicros - counters.lastSeen > RECENCY_MICROS) counters.lastSeen = nowMicros
    }

    // No "last key" shortcut: remembering it meant a write to this shared object on every
    // decision, and the cores then fought over its cache line (a JFR profile of 12,000
    // rotating keys put ~12% of the JVM's samples on the next read of that line).
    private fun countersFor(key: String): KeyCounters? = keys[key] ?: track(key)

    fun stats(queueDepth: Int): UsageStats {
        val granted = waitedGranted.sum()
        return UsageStats(
            allowed = otherAllowed.sum() + keys.values.sumOf { it.allowedCount() },
            rejected = otherRejected.sum() + keys.values.sumOf { it.rejectedCount() },
            queued = queued.sum(),
            timedOut = timedOut.sum(),
            queueDepth = queueDepth,
            averageWait = micros(if (granted == 0L) 0 else waitTotalMicros.sum() / granted),
            maxWait = micros(waitMaxMicros.get()),
            trackedKeys = keys.size,
        )
    }

    fun keyUsage(key: String): KeyUsage {
        val c = keys[key] ?: return KeyUsage(key, 0, 0, 0)
        val allowed = c.allowedCount()
        return KeyUsage(key, allowed, c.rejectedCount(), allowed + c.extraPermits + c.lockedExtra)
    }

    private fun track(key: String): KeyCounters? {
        if (keys.size >= maxKeys) forgetOldest()
        if (keys.size >= maxKeys) return null
        return keys.computeIfAbsent(key) { KeyCounters(this, key) }
    }

    /** Forgets the least recently seen quarter of the keys. */
    @Synchronized
    private fun forgetOldest() {
        if (keys.size < maxKeys) return
        val stamps = keys.values.map { it.lastSeen }.sorted()
        val cutoff = stamps[stamps.size / 4]
        keys.entries.removeIf { (_, counters) ->
            (counters.lastSeen <= cutoff).also { forget ->
                if (forget) {
                    counters.forgotten = true
                    otherAllowed.add(counters.allowedCount())
                    otherRejected.add(counters.rejectedCount())
                }
            }
        }
    }

    private fun micros(value: Long): Duration = Duration.ofNanos(value * 1_000)

    /**
     * One key's counts, in one object with no adder cells to chase: fields updated atomically,
     * plus `locked*` fields written only under the key's bucket lock ([countLocked]).
     */
    class KeyCounters(val owner: UsageRecorder, val key: String) {
        @Volatile
        var forgotten = false

        @Volatile
        @JvmField
        var allowed = 0L

        @Volatile
        @JvmField
        var rejected = 0L

        @Volatile
        @JvmField
        var extraPermits = 0L

        @Volatile
        @JvmField
        var lockedAllowed = 0L

        @Volatile
        @JvmField
        var lockedRejected = 0L

        @Volatile
        @JvmField
        var lockedExtra = 0L

        @Volatile
        var lastSeen = Long.MIN_VALUE / 2

        fun allowedCount(): Long = allowed + lockedAllowed

        fun rejectedCount(): Long = rejected + lockedRejected
    }

    companion object {
        const val DEFAULT_MAX_KEYS = 100_000
        private const val RECENCY_MICROS = 1_000_000L
        private val ALLOWED = AtomicLongFieldUpdater.newUpdater(KeyCounters::class.java, "allowed")
        private val REJECTED = AtomicLongFieldUpdater.newUpdater(KeyCounters::class.java, "rejected")
        private val EXTRA = AtomicLongFieldUpdater.newUpdater(KeyCounters::class.java, "extraPermits")
        private val LOCKED_ALLOWED = AtomicLongFieldUpdater.newUpdater(KeyCounters::class.java, "lockedAllowed")
        private val LOCKED_REJECTED = AtomicLongFieldUpdater.newUpdater(KeyCounters::class.java, "lockedRejected")
        private val LOCKED_EXTRA = AtomicLongFieldUpdater.newUpdater(KeyCounters::class.java, "lockedExtra")
    }
}
