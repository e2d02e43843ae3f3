package dev.limiter.redis

import dev.limiter.BackendState
import dev.limiter.FaultToleranceMetrics
import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.micrometer.core.instrument.Tag
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import java.time.Duration

/** The examples of docs/redis.md and docs/fault-tolerance.md, run as tests (the URI is the harness's). */
class RedisGuideSpec : FunSpec({
    val uri = RedisHarness.uri

    test("docs/redis.md: connect, enable fault tolerance, limit") {
        val store = RedisBucketStore.connect(uri, SharedRedis.isolatedOptions())
        val tolerant = store.enableFaultTolerance(FaultToleranceMode.LOCAL)
        val limiter = RateLimiter(LimitPolicy.tokenBucket(40, Rate.perSecond(10)), store)
        limiter.tryAcquire("dev-42").remaining shouldBe 39
        // Decided by Redis, not by a local fallback bucket (which would also say 39).
        tolerant.fallbackDecisions shouldBe 0
        SharedRedis.keys(SharedRedis.sync, store.options.keyPrefix).size shouldBe 1
        store.close()
    }

    test("docs/fault-tolerance.md: settings, listener, health and metrics") {
        val store = RedisBucketStore.connect(uri, SharedRedis.isolatedOptions())
        store.enableFaultTolerance(FaultToleranceMode.LOCAL)
        val tolerant = store.enableFaultTolerance(
            FaultToleranceMode.LOCAL,
            FaultToleranceSettings()
                .withCommandTimeout(Duration.ofMillis(50))
                .withFailuresBeforeOpening(3)
                .withProbeInterval(Duration.ofSeconds(1))
                .withLocalShare(4),
        )
        val changes = mutableListOf<String>()
        tolerant.addListener { from, to, _ -> changes += "limiter backend $from -> $to" }
        store.backendState shouldBe BackendState.PRIMARY

        val registry = SimpleMeterRegistry()
        FaultToleranceMetrics(tolerant, listOf(Tag.of("store", "redis"))).bindTo(registry)
        registry.get("limiter.backend.state").tag("store", "redis").gauge().value() shouldBe 1.0
        changes shouldBe emptyList()
        store.close()
    }
})
