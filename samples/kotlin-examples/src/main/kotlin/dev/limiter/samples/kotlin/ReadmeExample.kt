package dev.limiter.samples.kotlin

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import kotlin.time.Duration.Companion.seconds

/** The README's Kotlin example: prints the first decision, then what the queued call returned. */
suspend fun readmeExample(callApi: suspend () -> String) {
    // snippet:readme-kotlin
    RateLimiter(LimitPolicy.tokenBucket(capacity = 10, refill = Rate.parse("10/s"))).use { limiter ->
        val decision = limiter.tryAcquire("dev-42")
        if (decision.allowed) println("allowed, ${decision.remaining} left")
        else println("slow down, retry after ${decision.retryAfter}")

        limiter.acquire("dev-42") // suspends until a permit is free
        val result = limiter.queueRequest("dev-42", priority = 10, maxWait = 2.seconds) { callApi() }
        println(result)
    }
    // end-snippet
}
