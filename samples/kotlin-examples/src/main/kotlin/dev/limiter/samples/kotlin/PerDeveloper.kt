package dev.limiter.samples.kotlin

import dev.limiter.LimiterClock
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter

/** One limiter, one bucket per developer: `scopeByKey` binds a view to a key. */
suspend fun perDeveloper(clock: LimiterClock) {
    // snippet:kotlin-scope-by-key
    RateLimiter(LimitPolicy.tokenBucket(3, Rate.perMinute(3)), clock = clock).use { limiter ->
        val alice = limiter.scopeByKey("dev-alice")
        val bob = limiter.scopeByKey("dev-bob")
        repeat(4) { alice.tryAcquire() }
        bob.tryAcquire()
        println("alice: ${alice.remainingQuota()} left, ${alice.usageStats()}")
        println("bob: ${bob.remainingQuota()} left, ${bob.usageStats()}")
    }
    // end-snippet
}
