package dev.limiter

import dev.limiter.testing.VirtualClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** LimiterMetrics fed by a real limiter in virtual time. */
class LimiterMetricsSpec : FunSpec({

    fun SimpleMeterRegistry.requests(outcome: String, backend: String = "primary"): Double =
        find(LimiterMetrics.REQUESTS).tags("policy", "free", "outcome", outcome, "backend", backend).counter()?.count() ?: 0.0

    test("every decision is counted by policy and outcome: allowed, rejected, queued and timeout") {
        runTest {
            val registry = SimpleMeterRegistry()
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(2, Rate.perSecond(1)).named("free"))
                .clock(VirtualClock(testScheduler)).listener(LimiterMetrics(registry)).buildSuspending()
            repeat(3) { limiter.tryAcquire("k") }
            limiter.queueRequest("k", maxWait = 2.seconds).allowed shouldBe true
            limiter.queueRequest("k", maxWait = 100.milliseconds).allowed shouldBe false

            registry.requests("allowed") shouldBe 2.0
            registry.requests("rejected") shouldBe 1.0
            registry.requests("queued") shouldBe 1.0
            registry.requests("timeout") shouldBe 1.0
            val latency = registry.find(LimiterMetrics.ACQUIRE_LATENCY).tags("policy", "free").timer()!!
            latency.count() shouldBe 5
            latency.max(TimeUnit.MILLISECONDS) shouldBe 1000.0
        }
    }

    test("the queue depth gauge follows the waiters") {
        runTest {
            val registry = SimpleMeterRegistry()
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(1)).named("free"))
                .clock(VirtualClock(testScheduler)).listener(LimiterMetrics(registry)).buildSuspending()
            limiter.tryAcquire("k")
            val waiters = List(3) { launch { limiter.queueRequest("k", maxWait = 10.seconds) }.also { runCurrent() } }
            registry.find(LimiterMetrics.QUEUE_DEPTH).tags("policy", "free").gauge()!!.value() shouldBe 3.0
            waiters.forEach { it.join() }
            registry.find(LimiterMetrics.QUEUE_DEPTH).tags("policy", "free").gauge()!!.value() shouldBe 0.0
        }
    }

    test("the queue depth sums the limiters of one policy name: waiters of the old numbers still count after a change") {
        runTest {
            val registry = SimpleMeterRegistry()
            val metrics = LimiterMetrics(registry)
            val clock = VirtualClock(testScheduler)
            // As after a reload or an adaptive step: a new limiter for "free" while callers still wait in the old one.
            val before = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(1)).named("free")).clock(clock).listener(metrics).buildSuspending()
            val after = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(2)).named("free")).clock(clock).listener(metrics).buildSuspending()
            before.tryAcquire("k")
            after.tryAcquire("k")
            val waiters = List(2) { launch { before.queueRequest("k", maxWait = 10.seconds) }.also { runCurrent() } } +
                List(3) { launch { after.queueRequest("k", maxWait = 10.seconds) }.also { runCurrent() } }
            val depth = registry.find(LimiterMetrics.QUEUE_DEPTH).tags("policy", "free").gauge()!!
            depth.value() shouldBe 5.0
            waiters.forEach { it.join() }
            depth.value() shouldBe 0.0
        }
    }

    test("the last depth reported matches the queue even when waiters join and leave on many threads at once") {
        // A listener that takes its time widens the window in which two reports cross.
        val last = java.util.concurrent.atomic.AtomicInteger(-1)
        val slow = object : LimiterListener {
            override fun onQueueDepth(policy: LimitPolicy, depth: Int) {
                repeat(20) { Thread.yield() }
                last.set(depth)
            }
        }
        val clock = dev.limiter.testing.MockClock()
        repeat(5) {
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(1)).named("free"))
                .clock(clock).listener(slow).buildSuspending()
            kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.Default) {
                val keys = (1..64).map { "k$it" }
                keys.forEach { limiter.tryAcquire(it) } // every bucket empty
                val waiters = keys.map { key -> launch { limiter.queueRequest(key, maxWait = 10.seconds).allowed shouldBe true } }
                while (limiter.usageStats().queueDepth < keys.size) kotlinx.coroutines.yield()
                clock.advance(java.time.Duration.ofSeconds(1)) // all 64 are granted and leave together
                waiters.forEach { it.join() }
            }
            last.get() shouldBe 0
        }
    }

    test("decisions made on the fallback are tagged backend=fallback") {
        runTest {
            val registry = SimpleMeterRegistry()
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(2, Rate.perSecond(1)).named("free"))
                .clock(VirtualClock(testScheduler)).listener(LimiterMetrics(registry) { false }).buildSuspending()
            limiter.tryAcquire("k")
            registry.requests("allowed", backend = "fallback") shouldBe 1.0
            registry.requests("allowed", backend = "primary") shouldBe 0.0
        }
    }

    test("no meter carries a key unless the key is watched") {
        runTest {
            val registry = SimpleMeterRegistry()
            val metrics = LimiterMetrics(registry)
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(4, Rate.perSecond(1)).named("free"))
                .clock(VirtualClock(testScheduler)).listener(metrics).buildSuspending()
            limiter.tryAcquire("dev-1")
            registry.meters.any { m -> m.id.tags.any { it.key == "key" } } shouldBe false
            metrics.watchTokens(limiter, "dev-1")
            registry.find(LimiterMetrics.TOKENS).tags("policy", "free", "key", "dev-1").gauge()!!.value() shouldBe 3.0
        }
    }
})
