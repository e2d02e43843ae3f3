package dev.limiter.testing

import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.extensions.install
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import java.time.Duration
import java.time.Instant
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

class TestRateLimiterFixtureSpec : FunSpec({
    val tenPerSecond = LimitPolicy.tokenBucket(10, Rate.perSecond(10))
    val fixture = install(TestRateLimiterKotestExtension(tenPerSecond))

    test("exhausting a 10/s token bucket takes 10 permits, then a request is denied for exactly 100 ms") {
        fixture.exhaust("dev-42") shouldBe 10
        val denied = fixture.assertDenied("dev-42")
        denied.reason shouldBe DenyReason.LIMITED
        denied.retryAfter shouldBe Duration.ofMillis(100)
        fixture.assertRetryAfter("dev-42", 100.milliseconds)
        fixture.assertRemaining("dev-42", 0)
    }

    test("advancing the clock by one refill interval gives back exactly one permit") {
        fixture.exhaust("k")
        fixture.advanceTime(99.milliseconds)
        fixture.assertDenied("k").retryAfter shouldBe Duration.ofMillis(1)
        fixture.advanceTime(Duration.ofMillis(1))
        fixture.assertAllowed("k")
        fixture.assertDenied("k")
        fixture.exhaust("k") shouldBe 0
    }

    var leftDirty = false

    test("a test may drain buckets, move the clock and wait") {
        fixture.exhaust("shared")
        fixture.advanceTime(5.minutes)
        fixture.exhaust("shared")
        fixture.limiter.usageStats().allowed shouldBe 2
        leftDirty = true
    }

    test("the next test starts with full buckets, the clock at its start and no usage, whatever the test before did") {
        leftDirty shouldBe true
        fixture.store.size shouldBe 0
        fixture.now() shouldBe MockClock.DEFAULT_START
        fixture.assertRemaining("shared", 10)
        fixture.limiter.usageStats().total shouldBe 0
    }

    test("keys are independent: exhausting one leaves the others full") {
        fixture.exhaust("a") shouldBe 10
        fixture.assertRemaining("b", 10)
        fixture.assertAllowed("b", permits = 10)
    }

    test("setMockClock moves the clock to the timestamp and refills the bucket for the time passed") {
        fixture.exhaust()
        fixture.setMockClock(MockClock.DEFAULT_START.plusMillis(350))
        fixture.now() shouldBe Instant.parse("2026-01-01T00:00:00.350Z")
        fixture.assertRemaining(expected = 3)
        fixture.mockClock.instant() shouldBe fixture.now()
    }

    test("setMockClock refuses to go back, saying where the clock is and how to start over") {
        fixture.advanceTime(1.minutes)
        val error = shouldThrow<IllegalArgumentException> { fixture.setMockClock(MockClock.DEFAULT_START) }
        error.message shouldContain "only moves forward"
        error.message shouldContain "2026-01-01T00:01:00Z"
        error.message shouldContain "reset()"
        shouldThrow<IllegalArgumentException> { fixture.advanceTime(Duration.ofMillis(-1)) }
    }

    test("advancing the clock wakes a waiting acquire at the refill instant") {
        fixture.exhaust("w")
        val waiter = async(start = CoroutineStart.UNDISPATCHED) { fixture.limiter.acquire("w", maxWait = 1.seconds) }
        fixture.mockClock.waiters shouldBe 1
        fixture.advanceTime(50.milliseconds)
        waiter.isCompleted shouldBe false
        fixture.advanceTime(50.milliseconds)
        waiter.await().allowed shouldBe true
        fixture.assertRemaining("w", 0)
    }

    test("a failed assertAllowed says the key, the reason and the wait") {
        fixture.exhaust("x")
        val error = shouldThrow<AssertionError> { fixture.assertAllowed("x") }
        error.message shouldBe "expected 1 permit(s) for key 'x' to be allowed but the request was denied (LIMITED, retry after 100ms)"
    }

    test("a failed assertDenied, assertRemaining or assertRetryAfter says what was expected and what happened") {
        shouldThrow<AssertionError> { fixture.assertDenied("y") }.message shouldBe
            "expected 1 permit(s) for key 'y' to be denied but the request was allowed (9 remaining)"
        shouldThrow<AssertionError> { fixture.assertRemaining("y", 10) }.message shouldBe
            "expected key 'y' to have 10 permit(s) remaining but it has 9"
        shouldThrow<AssertionError> { fixture.assertRetryAfter("y", 100.milliseconds) }.message shouldBe
            "expected 1 permit(s) for key 'y' to be available after 100ms but they are available after 0s " +
            "(clock at 2026-01-01T00:00:00Z)"
    }

    test("the blocking view and the store belong to the fixture's limiter") {
        fixture.blocking.tryAcquire("j", 4).allowed shouldBe true
        fixture.limiter.remainingQuota("j") shouldBe 6
        fixture.store.size shouldBe 1
        fixture.blocking.asSuspending() shouldBe fixture.limiter
    }

    context("exhaust takes every permit of a fresh bucket, and nothing more, for every algorithm") {
        val policies = listOf(
            LimitPolicy.tokenBucket(7, Rate.perSecond(1)),
            LimitPolicy.leakyBucket(7, Rate.perSecond(1)),
            LimitPolicy.fixedWindow(7, 1.minutes),
            LimitPolicy.slidingWindowLog(7, 1.minutes),
            LimitPolicy.slidingWindowCounter(7, 1.minutes),
            LimitPolicy.gcra(Rate.perSecond(1), 7),
        )
        for (policy in policies) {
            test(policy.algorithm.id) {
                val own = TestRateLimiterFixture(policy, start = Instant.parse("2026-05-05T10:00:30Z"))
                own.exhaust("k") shouldBe 7
                own.assertDenied("k").reason shouldBe DenyReason.LIMITED
                own.limiter.usageStats("k").rejected shouldBe 1
                own.limiter.usageStats("k").permitsGranted shouldBe 7
            }
        }
    }
})
