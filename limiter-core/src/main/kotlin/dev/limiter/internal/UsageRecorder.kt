package dev.limiter.internal

import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyUsage
import dev.limiter.UsageStats
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.LongAdder

/**
 * Counts a limiter's decisions, overall and per key.
 *
 * Per-key counts are bounded to [maxKeys] keys: past that, keys idle for the longest are
 * forgotten (a forgotten key reads as never seen), so a flood of keys cannot grow memory.
 * Totals are the per-key counts plus what forgotten or untracked keys left behind, so the hot
 * path touches one key's counters and nothing shared by every key.
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
        val counters = countersFor(decision.key)
        if (decision.allowed) {
            if (counters != null) {
                counters.allowed.increment()
                // Most requests take one permit: count only the extra ones separately.
                if (permits != 1L) counters.extraPermits.add(permits - 1)
            } else {
                otherAllowed.increment()
            }
        } else {
            if (counters != null) counters.rejected.increment() else otherRejected.increment()
        }
        // Recency only decides which keys to forget first: a second's precision is plenty,
        // and skipping the write keeps the hot path free of a shared store.
        if (counters != null && nowMicros - counters.lastSeen > RECENCY_MICROS) counters.lastSeen = nowMicros
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

    /** The last key counted; a burst from one key skips the map lookup. */
    @Volatile
    private var hot: KeyCounters? = null

    private fun countersFor(key: String): KeyCounters? {
        val last = hot
        if (last != null && last.key == key && !last.forgotten) return last
        val counters = keys[key] ?: track(key) ?: return null
        hot = counters
        return counters
    }

    fun stats(queueDepth: Int): UsageStats {
        val granted = waitedGranted.sum()
        return UsageStats(
            allowed = otherAllowed.sum() + keys.values.sumOf { it.allowed.sum() },
            rejected = otherRejected.sum() + keys.values.sumOf { it.rejected.sum() },
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
        val allowed = c.allowed.sum()
        return KeyUsage(key, allowed, c.rejected.sum(), allowed + c.extraPermits.sum())
    }

    private fun track(key: String): KeyCounters? {
        if (keys.size >= maxKeys) forgetOldest()
        if (keys.size >= maxKeys) return null
        return keys.computeIfAbsent(key) { KeyCounters(key) }
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
                    otherAllowed.add(counters.allowed.sum())
                    otherRejected.add(counters.rejected.sum())
                }
            }
        }
    }

    private fun micros(value: Long): Duration = Duration.ofNanos(value * 1_000)

    private class KeyCounters(val key: String) {
        @Volatile
        var forgotten = false

        val allowed = LongAdder()
        val rejected = LongAdder()
        val extraPermits = LongAdder()

        @Volatile
        var lastSeen = Long.MIN_VALUE / 2
    }

    companion object {
        const val DEFAULT_MAX_KEYS = 100_000
        private const val RECENCY_MICROS = 1_000_000L
    }
}
