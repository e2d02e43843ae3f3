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
 */
internal class UsageRecorder(private val maxKeys: Int = DEFAULT_MAX_KEYS) {
    private val allowed = LongAdder()
    private val rejected = LongAdder()
    private val queued = LongAdder()
    private val timedOut = LongAdder()
    private val waitedGranted = LongAdder()
    private val waitTotalMicros = LongAdder()
    private val waitMaxMicros = AtomicLong()
    private val keys = ConcurrentHashMap<String, KeyCounters>()

    fun record(decision: Decision, permits: Long, nowMicros: Long, waitedMicros: Long, wasQueued: Boolean) {
        val counters = keys[decision.key] ?: track(decision.key)
        if (decision.allowed) {
            allowed.increment()
            counters?.allowed?.increment()
            counters?.permits?.add(permits)
        } else {
            rejected.increment()
            counters?.rejected?.increment()
        }
        if (counters != null && counters.lastSeen != nowMicros) counters.lastSeen = nowMicros
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

    fun stats(queueDepth: Int): UsageStats {
        val granted = waitedGranted.sum()
        return UsageStats(
            allowed = allowed.sum(),
            rejected = rejected.sum(),
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
        return KeyUsage(key, c.allowed.sum(), c.rejected.sum(), c.permits.sum())
    }

    private fun track(key: String): KeyCounters? {
        if (keys.size >= maxKeys) forgetOldest()
        if (keys.size >= maxKeys) return null
        return keys.computeIfAbsent(key) { KeyCounters() }
    }

    /** Forgets the least recently seen quarter of the keys. */
    @Synchronized
    private fun forgetOldest() {
        if (keys.size < maxKeys) return
        val stamps = keys.values.map { it.lastSeen }.sorted()
        val cutoff = stamps[stamps.size / 4]
        keys.entries.removeIf { it.value.lastSeen <= cutoff }
    }

    private fun micros(value: Long): Duration = Duration.ofNanos(value * 1_000)

    private class KeyCounters {
        val allowed = LongAdder()
        val rejected = LongAdder()
        val permits = LongAdder()

        @Volatile
        var lastSeen = 0L
    }

    companion object {
        const val DEFAULT_MAX_KEYS = 100_000
    }
}
