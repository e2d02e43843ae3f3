package dev.limiter.bench

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import dev.limiter.testing.MockClock
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import java.time.Duration
import kotlin.time.Duration.Companion.INFINITE

/**
 * How long n waiters queued on one key take to drain once their permits are all there: the
 * queue's own cost per grant, with the refill taken out of the picture.
 *
 * n coroutines on one thread queue on an empty bucket of capacity n under a [MockClock]; the
 * clock then jumps far enough to refill all n, and the waiters hand the turn down the queue,
 * each granted as it reaches the head. Linear queue operations show as a drain time that grows
 * like n²; per-waiter cost that does not grow with n shows as a flat ns/grant column.
 *
 * `java -cp … dev.limiter.bench.QueueDrainKt [n …]` (default 1000 10000 100000), prints a
 * Markdown table: best of three runs per n after a warm-up.
 */
fun main(args: Array<String>) {
    val sizes = args.map { it.toInt() }.ifEmpty { listOf(1_000, 10_000, 100_000) }
    drain(10_000) // warm-up
    println("| waiters | drain time (ms) | ns per grant |")
    println("|---:|---:|---:|")
    for (n in sizes) {
        val nanos = (1..3).minOf { drain(n) }
        println("| %,d | %.1f | %,d |".format(n, nanos / 1e6, nanos / n))
    }
}

private fun drain(n: Int): Long = runBlocking {
    val clock = MockClock()
    val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(n.toLong(), Rate.perSecond(1_000)))
        .clock(clock).maxQueueSize(n).buildSuspending()
    limiter.tryAcquire("k", n.toLong())
    var granted = 0
    repeat(n) {
        launch {
            check(limiter.acquire("k", 1, INFINITE).allowed)
            granted++
        }
    }
    while (limiter.usageStats().queueDepth < n) yield()
    val start = System.nanoTime()
    clock.advance(Duration.ofMillis(n.toLong()))
    while (granted < n) yield()
    val took = System.nanoTime() - start
    limiter.close()
    took
}
