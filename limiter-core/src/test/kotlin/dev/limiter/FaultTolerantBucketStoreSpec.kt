@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)

package dev.limiter

import dev.limiter.testing.VirtualClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import java.io.IOException
import java.time.Duration

/** A remote store stand-in whose health the test controls; it counts the calls that reach it. */
private class FlakyStore : BucketStore {
    val buckets = LocalBucketStore()
    var health = Health.UP
    var calls = 0

    enum class Health { UP, FAILING, HANGING }

    private suspend fun <T> reach(answer: suspend () -> T): T {
        calls++
        return when (health) {
            Health.UP -> answer()
            Health.FAILING -> throw IOException("connection refused")
            Health.HANGING -> awaitCancellation()
        }
    }

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long) =
        reach { buckets.tryConsume(key, policy, permits, nowMicros) }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long) =
        reach { buckets.inspect(key, policy, permits, nowMicros) }

    override suspend fun reset(key: String, policy: LimitPolicy) = reach { buckets.reset(key, policy) }

    override fun toString(): String = "FlakyStore"
}

/**
 * The circuit breaker and fallback modes, in virtual time: timeouts and probe intervals pass
 * without waiting. Real Redis faults are exercised in limiter-redis's `FaultToleranceSpec`.
 */
class FaultTolerantBucketStoreSpec : FunSpec({
    val policy = LimitPolicy.tokenBucket(5, Rate.perHour(1))
    val settings = FaultToleranceSettings()

    fun TestScope.setUp(mode: FaultToleranceMode, settings: FaultToleranceSettings = FaultToleranceSettings()):
        Triple<FlakyStore, FaultTolerantBucketStore, VirtualClock> {
        val clock = VirtualClock(testScheduler)
        val primary = FlakyStore()
        return Triple(primary, FaultTolerantBucketStore(primary, mode, settings, clock), clock)
    }

    fun VirtualClock.micros(): Long = nowNanos() / 1_000

    test("while the primary answers, decisions come from it") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL)
            store.tryConsume("k", policy, 5, clock.micros()).allowed shouldBe true
            primary.buckets.inspect("k", policy, 1, clock.micros()).remaining shouldBe 0
            store.state shouldBe BackendState.PRIMARY
            store.fallbackDecisions shouldBe 0
        }
    }

    test("in LOCAL mode a failing primary never reaches the caller, and local buckets keep the limit") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL)
            primary.health = FlakyStore.Health.FAILING
            val decisions = (1..8).map { store.tryConsume("k", policy, 1, clock.micros()) }
            decisions.map { it.allowed } shouldContainExactly List(5) { true } + List(3) { false }
            decisions.last().reason shouldBe DenyReason.LIMITED
            store.fallbackDecisions shouldBe 8
        }
    }

    test("after the configured failures the circuit opens and no request goes to the primary") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL)
            primary.health = FlakyStore.Health.FAILING
            repeat(3) { store.tryConsume("k", policy, 1, clock.micros()) }
            store.state shouldBe BackendState.FALLBACK
            (store as BackendStateSource).backendState shouldBe BackendState.FALLBACK
            repeat(100) { store.tryConsume("k", policy, 1, clock.micros()) }
            primary.calls shouldBe 3
        }
    }

    test("while the circuit is open, decisions are answered without suspending; when a probe is due, not") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL)
            store.tryConsumeNow("k", policy, 1, clock.micros()) shouldBe null
            primary.health = FlakyStore.Health.FAILING
            repeat(3) { store.tryConsume("k", policy, 1, clock.micros()) }
            store.tryConsumeNow("k", policy, 1, clock.micros())!!.remaining shouldBe 1
            testScheduler.advanceTimeBy(1_000)
            store.tryConsumeNow("k", policy, 1, clock.micros()) shouldBe null
            primary.calls shouldBe 3
        }
    }

    test("a hanging primary holds no request longer than the command timeout") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL)
            primary.health = FlakyStore.Health.HANGING
            repeat(10) {
                val before = currentTime
                store.tryConsume("k", policy, 1, clock.micros())
                currentTime - before shouldBeLessThanOrEqualTo settings.commandTimeout.toMillis()
            }
            primary.calls shouldBe 3
        }
    }

    test("one probe per interval; when it succeeds decisions return to the primary") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL)
            val changes = mutableListOf<Pair<BackendState, BackendState>>()
            store.addListener { from, to, _ -> changes += from to to }
            primary.health = FlakyStore.Health.FAILING
            repeat(3) { store.tryConsume("k", policy, 1, clock.micros()) }
            testScheduler.advanceTimeBy(999)
            store.tryConsume("k", policy, 1, clock.micros())
            primary.calls shouldBe 3
            testScheduler.advanceTimeBy(1)
            store.tryConsume("k", policy, 1, clock.micros())
            primary.calls shouldBe 4
            store.state shouldBe BackendState.FALLBACK
            primary.health = FlakyStore.Health.UP
            testScheduler.advanceTimeBy(1_000)
            store.tryConsume("k", policy, 1, clock.micros()).allowed shouldBe true
            store.state shouldBe BackendState.PRIMARY
            store.tryConsume("k", policy, 1, clock.micros())
            primary.calls shouldBe 6
            changes shouldContainExactly listOf(
                BackendState.PRIMARY to BackendState.FALLBACK,
                BackendState.FALLBACK to BackendState.PROBING,
                BackendState.PROBING to BackendState.FALLBACK,
                BackendState.FALLBACK to BackendState.PROBING,
                BackendState.PROBING to BackendState.PRIMARY,
            )
        }
    }

    test("FAIL_OPEN allows and FAIL_CLOSED denies every request while the primary is down") {
        runTest {
            val (openPrimary, open, clock) = setUp(FaultToleranceMode.FAIL_OPEN)
            val (closedPrimary, closed, _) = setUp(FaultToleranceMode.FAIL_CLOSED)
            openPrimary.health = FlakyStore.Health.FAILING
            closedPrimary.health = FlakyStore.Health.FAILING
            repeat(20) {
                open.tryConsume("k", policy, 1, clock.micros()).allowed shouldBe true
                val denied = closed.tryConsume("k", policy, 1, clock.micros())
                denied.allowed shouldBe false
                denied.reason shouldBe DenyReason.BACKEND_UNAVAILABLE
                denied.retryAfter shouldBe settings.probeInterval
            }
        }
    }

    test("NONE surfaces a typed exception carrying the cause, and a timeout as one too") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.NONE)
            primary.health = FlakyStore.Health.FAILING
            val failed = shouldThrow<BackendUnavailableException> { store.tryConsume("k", policy, 1, clock.micros()) }
            failed.cause.shouldBeInstanceOf<IOException>()
            primary.health = FlakyStore.Health.HANGING
            shouldThrow<BackendUnavailableException> { store.tryConsume("k", policy, 1, clock.micros()) }
            store.state shouldBe BackendState.PRIMARY
        }
    }

    test("a local share of N gives each node 1/N of the capacity and the rate") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL, FaultToleranceSettings().withLocalShare(5))
            primary.health = FlakyStore.Health.FAILING
            val bucket = LimitPolicy.tokenBucket(10, Rate.perSecond(10))
            (1..3).count { store.tryConsume("k", bucket, 1, clock.micros()).allowed } shouldBe 2
            val denied = store.tryConsume("k", bucket, 1, clock.micros())
            denied.limit shouldBe 2
            denied.retryAfter shouldBe Duration.ofMillis(500)
        }
    }

    test("the Micrometer binder exports the backend state and the fallback count") {
        runTest {
            val (primary, store, clock) = setUp(FaultToleranceMode.LOCAL)
            val registry = SimpleMeterRegistry()
            FaultToleranceMetrics(store).bindTo(registry)
            registry.get(FaultToleranceMetrics.STATE).gauge().value() shouldBe 1.0
            primary.health = FlakyStore.Health.FAILING
            repeat(4) { store.tryConsume("k", policy, 1, clock.micros()) }
            registry.get(FaultToleranceMetrics.STATE).gauge().value() shouldBe 0.0
            registry.get(FaultToleranceMetrics.FALLBACK_DECISIONS).functionCounter().count() shouldBe 4.0
        }
    }

    test("bad settings name the field, the value and the fix") {
        shouldThrow<IllegalArgumentException> { FaultToleranceSettings().withCommandTimeout(Duration.ZERO) }
            .message shouldBe "commandTimeout must be positive, was PT0S; use e.g. Duration.ofMillis(50)"
        shouldThrow<IllegalArgumentException> { FaultToleranceSettings().withLocalShare(0) }
    }
})
