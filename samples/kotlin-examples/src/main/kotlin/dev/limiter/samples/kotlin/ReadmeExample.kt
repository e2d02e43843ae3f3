package dev.limiter.samples.kotlin

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import kotlin.time.Duration.Companion.seconds

/** The README's Kotlin example; returns what the queued call returned. */
suspend fun readmeExample(callApi: suspend () -> String): String {
    // snippet:readme-kotlin
    RateLimiter(LimitPolicy.tokenBucket(capacity = 10, refill = Rate.parse("10/s"))).use { limiter ->
        val decision = limiter.tryAcquire("dev-42")
        if (decision.allowed) println("allowed, ${decision.remaining} left")
        else println("slow down, retry after ${decision.retryAfter}")

        limiter.acquire("dev-42") // suspends until a permit is free
        return limiter.queueRequest("dev-42", priority = 10, maxWait = 2.seconds) { callApi() }
    }
    // end-snippet
}
