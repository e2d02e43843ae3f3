package dev.limiter.samples.kotlin

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter

/**
 * The first limiter: seven requests for one developer against five per minute, the limiter
 * closed by `use {}`. Prints five allowed requests and two denied ones with their Retry-After.
 */
suspend fun firstLimiter() {
    // snippet:getting-started-kotlin
    val policy = LimitPolicy.tokenBucket(capacity = 5, refill = Rate.parse("5/min"))
    RateLimiter(policy).use { limiter ->
        for (i in 1..7) {
            val decision = limiter.tryAcquire("dev-42")
            if (decision.allowed) {
                println("request $i: allowed, ${decision.remaining} left")
            } else {
                val seconds = (decision.retryAfter.toMillis() + 999) / 1000 // round up, as Retry-After does
                println("request $i: denied, retry in $seconds s")
            }
        }
    }
    // end-snippet
}
