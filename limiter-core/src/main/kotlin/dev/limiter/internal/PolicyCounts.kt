package dev.limiter.internal

import dev.limiter.Decision
import dev.limiter.UsageStats
import java.time.Duration
import java.util.concurrent.atomic.LongAdder

/** Decisions of one policy (level) taken by `RateLimits` without queueing. */
internal class PolicyCounts {
    private val allowed = LongAdder()
    private val rejected = LongAdder()

    fun record(decision: Decision) {
        if (decision.allowed) allowed.increment() else rejected.increment()
    }

    /** These counts plus [queued], the same policy's limiter's (queued requests), when there is one. */
    fun plus(queued: UsageStats?): UsageStats = UsageStats(
        allowed = allowed.sum() + (queued?.allowed ?: 0),
        rejected = rejected.sum() + (queued?.rejected ?: 0),
        queued = queued?.queued ?: 0,
        timedOut = queued?.timedOut ?: 0,
        queueDepth = queued?.queueDepth ?: 0,
        averageWait = queued?.averageWait ?: Duration.ZERO,
        maxWait = queued?.maxWait ?: Duration.ZERO,
        trackedKeys = queued?.trackedKeys ?: 0,
    )
}
