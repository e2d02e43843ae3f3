package dev.limiter.internal

import dev.limiter.Decision
import dev.limiter.KeyUsage
import dev.limiter.UsageStats

/**
 * Decisions of one policy (level) taken by `RateLimits` without queueing, overall and per key
 * (bounded, as [UsageRecorder] is); queued requests are counted by the policy's limiter.
 */
internal class PolicyCounts {
    private val recorder = UsageRecorder()

    fun record(decision: Decision, permits: Long, nowMicros: Long) {
        recorder.record(decision, permits, nowMicros, 0, false)
    }

    fun keyUsage(key: String): KeyUsage = recorder.keyUsage(key)

    /** These counts plus [queued], the same policy's limiter's (queued requests), when there is one. */
    fun plus(queued: UsageStats?): UsageStats {
        val mine = recorder.stats(0)
        return UsageStats(
            allowed = mine.allowed + (queued?.allowed ?: 0),
            rejected = mine.rejected + (queued?.rejected ?: 0),
            queued = queued?.queued ?: 0,
            timedOut = queued?.timedOut ?: 0,
            queueDepth = queued?.queueDepth ?: 0,
            averageWait = queued?.averageWait ?: mine.averageWait,
            maxWait = queued?.maxWait ?: mine.maxWait,
            trackedKeys = mine.trackedKeys + (queued?.trackedKeys ?: 0),
        )
    }
}
