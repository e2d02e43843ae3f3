package dev.limiter.samples.kotlin

import dev.limiter.LimitPolicy
import dev.limiter.RateLimiter
import java.time.Duration

/** Returns a limiter for [policy] whose waiters gain one priority level per second waited (docs/queueing.md). */
fun agingLimiter(policy: LimitPolicy): RateLimiter {
    // snippet:queueing-priority-aging
    val limiter = RateLimiter.builder(policy).priorityAging(Duration.ofSeconds(1)).buildSuspending()
    // end-snippet
    return limiter
}
