package dev.limiter.samples.kotlin

import dev.limiter.LimiterClock
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch

/**
 * A leaky bucket smooths a burst: of eight webhook deliveries queued at once, two fit in the
 * bucket and go at once, the rest drain out evenly, one every 200 ms. `tryAcquire` on the
 * same bucket does not wait: a burst over the capacity is refused instead.
 */
suspend fun leakySmoothing(clock: LimiterClock): Unit = coroutineScope {
    val stopwatch = Stopwatch(clock)
    // snippet:kotlin-leaky-smoothing
    val policy = LimitPolicy.leakyBucket(capacity = 2, drainRate = Rate.perSecond(5))
    RateLimiter(policy, clock = clock).use { limiter ->
        (1..8).map { delivery ->
            launch {
                limiter.acquire("webhooks")
                println("${stopwatch.elapsed()}: delivery $delivery sent")
            }
        }.joinAll()

        val refused = (1..5).count { !limiter.tryAcquire("alerts").allowed }
        println("tryAcquire burst of 5 on a fresh key: $refused refused")
    }
    // end-snippet
}
