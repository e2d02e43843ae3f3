package dev.limiter.samples.kotlin

import dev.limiter.LimiterClock
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimitExceededException
import dev.limiter.RateLimiter
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/**
 * Six requests arrive at once for a bucket of 2 refilled 10 per second: two go at once, the
 * interactive ones (priority 10) jump the queue, the batch ones follow, one every 100 ms.
 */
suspend fun burstWithPriorities(clock: LimiterClock): Unit = coroutineScope {
    val stopwatch = Stopwatch(clock)
    // snippet:kotlin-queue-priorities
    RateLimiter(LimitPolicy.tokenBucket(2, Rate.perSecond(10)), clock = clock).use { limiter ->
        val requests = listOf(
            "batch-1" to 0, "batch-2" to 0, "batch-3" to 0,
            "interactive-1" to 10, "batch-4" to 0, "interactive-2" to 10,
        )
        requests.map { (name, priority) ->
            launch {
                val decision = limiter.queueRequest("tenant-7", priority = priority, maxWait = 1.seconds)
                println("${stopwatch.elapsed()}: $name ${if (decision.allowed) "granted" else decision.reason}")
            }
        }.joinAll()
    }
    // end-snippet
}

// snippet:kotlin-queue-backoff
/**
 * Runs [request] once [limiter] grants a permit for [key] within 200 ms; when it cannot, waits
 * as long as the limiter's Retry-After says and queues again, up to [attempts] times.
 */
suspend fun <T> withBackoff(limiter: RateLimiter, key: String, attempts: Int, request: suspend () -> T): T {
    var attempt = 1
    while (true) {
        try {
            return limiter.queueRequest(key, priority = 0, maxWait = 200.milliseconds) { request() }
        } catch (e: RateLimitExceededException) {
            if (attempt++ == attempts) throw e
            delay(e.retryAfter.toKotlinDuration())
        }
    }
}
// end-snippet

/** Two calls against one permit per second: the second backs off for the second, then runs. */
suspend fun queuedBackoff(clock: LimiterClock) {
    val stopwatch = Stopwatch(clock)
    RateLimiter(LimitPolicy.tokenBucket(1, Rate.perSecond(1)), clock = clock).use { limiter ->
        for (call in 1..2) {
            val result = withBackoff(limiter, "sync-job", attempts = 3) { "call $call done" }
            println("${stopwatch.elapsed()}: $result")
        }
    }
}
