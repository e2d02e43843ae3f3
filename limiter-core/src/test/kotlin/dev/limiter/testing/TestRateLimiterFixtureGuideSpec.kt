@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)

package dev.limiter.testing

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import io.kotest.core.extensions.install
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import java.time.Duration
import java.time.Instant
import kotlin.time.Duration.Companion.milliseconds

/** The clock and fixture examples of docs/testing.md, run as tests. */
class TestRateLimiterFixtureGuideSpec : FunSpec({
    val fixture = install(TestRateLimiterKotestExtension(LimitPolicy.tokenBucket(10, Rate.perSecond(10))))

    test("the eleventh request in a second waits 100 ms") {
        fixture.exhaust("dev-42") shouldBe 10
        fixture.assertDenied("dev-42")
        fixture.assertRetryAfter("dev-42", 100.milliseconds)
        fixture.advanceTime(100.milliseconds)
        fixture.assertAllowed("dev-42")
    }

    test("a second-long wait takes no time under runTest") {
        runTest {
            fixture.useVirtualTime(testScheduler)
            fixture.exhaust("dev-42")
            fixture.limiter.acquire("dev-42", permits = 10).allowed shouldBe true
            testScheduler.currentTime shouldBe 1_000
        }
    }

    test("a limiter on a mock clock refills only when the clock is moved") {
        val clock = MockClock(Instant.parse("2026-01-01T00:00:00Z"))
        val limiter = RateLimiter(LimitPolicy.tokenBucket(10, Rate.perSecond(10)), clock = clock)
        repeat(10) { limiter.tryAcquire("dev-42").allowed shouldBe true }
        limiter.tryAcquire("dev-42").retryAfter shouldBe Duration.ofMillis(100)
        clock.advance(Duration.ofMillis(100))
        limiter.tryAcquire("dev-42").allowed shouldBe true
    }

    test("a limiter on virtual time waits an hour in no time") {
        runTest {
            val limiter = RateLimiter(LimitPolicy.tokenBucket(1, Rate.perHour(1)), clock = VirtualClock(testScheduler))
            limiter.tryAcquire().allowed shouldBe true
            limiter.acquire().allowed shouldBe true // waits one hour of virtual time
            testScheduler.currentTime shouldBe 3_600_000
        }
    }
})
