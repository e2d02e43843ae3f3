package dev.limiter.ktor

import dev.limiter.KeyUsage
import dev.limiter.LimiterMetrics
import dev.limiter.ktor.internal.DashboardFeed
import dev.limiter.ktor.internal.DashboardSampler
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

class DashboardFeedSpec : FunSpec({

    fun counter(registry: SimpleMeterRegistry, policy: String, outcome: String) =
        registry.counter(LimiterMetrics.REQUESTS, "policy", policy, "outcome", outcome, "backend", "primary")

    test("a hundred viewers share one snapshot per tick") {
        runTest {
            val samples = AtomicInteger()
            val feed = DashboardFeed(backgroundScope, 1.seconds) {
                DashboardSampler(SimpleMeterRegistry(), { "primary" }, { samples.incrementAndGet(); emptyList() }, 1.0)
            }
            val received = AtomicInteger()
            repeat(100) { backgroundScope.launch { feed.snapshots.collect { received.incrementAndGet() } } }
            runCurrent()
            advanceTimeBy(4_500)
            samples.get() shouldBe 5 // at 0, 1, 2, 3 and 4 s: once per tick, not once per viewer
            received.get() shouldBe 500
        }
    }

    test("nothing is sampled while no one watches") {
        runTest {
            val samplers = AtomicInteger()
            val feed = DashboardFeed(backgroundScope, 1.seconds) {
                samplers.incrementAndGet()
                DashboardSampler(null, { "primary" }, { emptyList() }, 1.0)
            }
            advanceTimeBy(10_000)
            samplers.get() shouldBe 0
            feed.snapshots.take(1).toList().single().tick shouldBe 0
            samplers.get() shouldBe 1
        }
    }

    test("decisions per second are the counter deltas of one tick, by policy and outcome") {
        runTest {
            val registry = SimpleMeterRegistry()
            val sampler = DashboardSampler(registry, { "fallback" }, { emptyList() }, 2.0)
            counter(registry, "free", "allowed").increment(10.0)
            sampler.sample().decisions.single().perSecond shouldBe 0.0 // no earlier tick to compare with
            counter(registry, "free", "allowed").increment(8.0)
            counter(registry, "free", "shadow_rejected").increment(4.0)
            val snapshot = sampler.sample()
            snapshot.decisions.map { Triple(it.outcome, it.total, it.perSecond) } shouldBe listOf(
                Triple("allowed", 18L, 4.0), Triple("shadow_rejected", 4L, 2.0),
            )
            snapshot.backend shouldBe "fallback"
            snapshot.adaptiveFactor shouldBe null
        }
    }

    test("queue depth and the adaptive factor come from their gauges when present") {
        runTest {
            val registry = SimpleMeterRegistry()
            registry.gauge(LimiterMetrics.QUEUE_DEPTH, listOf(io.micrometer.core.instrument.Tag.of("policy", "a")), AtomicInteger(3))
            registry.gauge(LimiterMetrics.QUEUE_DEPTH, listOf(io.micrometer.core.instrument.Tag.of("policy", "b")), AtomicInteger(2))
            registry.gauge(DashboardSampler.ADAPTIVE_FACTOR, AtomicInteger(1))
            val snapshot = DashboardSampler(registry, { "primary" }, { emptyList() }, 1.0).sample()
            snapshot.queueDepth shouldBe 5
            snapshot.adaptiveFactor shouldBe 1.0
        }
    }

    test("busiest keys are shortened like the logs, and a key holding markup stays a JSON string") {
        runTest {
            val evil = "<img src=x onerror=alert(1)>"
            val busiest = listOf(KeyUsage("key:secret-key-123", 5, 1, 5), KeyUsage(evil, 2, 0, 2), KeyUsage("ip:10.0.0.1", 1, 0, 1))
            val snapshot = DashboardSampler(null, { "primary" }, { busiest }, 1.0).sample()
            snapshot.topKeys.map { it.key } shouldBe listOf(
                dev.limiter.ktor.internal.loggableKey("key:secret-key-123"),
                dev.limiter.ktor.internal.loggableKey("key:$evil"),
                "ip:10.0.0.1",
            )
            snapshot.json shouldNotContain "secret-key-123"
            snapshot.json shouldNotContain "onerror"
            snapshot.json shouldContain "\"key\":\"key:…#"
            snapshot.metricsEnabled shouldBe false
        }
    }

    test("a viewer joining late gets the latest snapshot at once") {
        runTest {
            val feed = DashboardFeed(backgroundScope, 1.seconds) { DashboardSampler(null, { "primary" }, { emptyList() }, 1.0) }
            backgroundScope.launch { feed.snapshots.collect {} }
            advanceTimeBy(2_500)
            feed.snapshots.take(1).toList().single().tick shouldBe 2
        }
    }
})
