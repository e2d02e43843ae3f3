package dev.limiter

import dev.limiter.testing.MockClock
import dev.limiter.testing.VirtualClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.test.runTest
import java.time.Duration
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

class RateLimiterSpec : FunSpec({
    val start = MockClock.DEFAULT_START

    test("tryAcquire takes permits until the bucket is empty, then says exactly when to retry") {
        val clock = MockClock(start)
        RateLimiter(LimitPolicy.tokenBucket(3, Rate.parse("10/s")), clock = clock).use { limiter ->
            (1..3).map { limiter.tryAcquire("dev-42").remaining } shouldBe listOf(2L, 1L, 0L)
            val denied = limiter.tryAcquire("dev-42")
            denied.allowed shouldBe false
            denied.reason shouldBe DenyReason.LIMITED
            denied.retryAfter shouldBe Duration.ofMillis(100)
            denied.resetAfter shouldBe Duration.ofMillis(300)
            denied.limit shouldBe 3
            clock.advance(Duration.ofMillis(100))
            limiter.tryAcquire("dev-42").allowed shouldBe true
        }
    }

    test("tokenCount is exact and fractional for a token bucket") {
        val clock = MockClock(start)
        val limiter = RateLimiter(LimitPolicy.tokenBucket(10, Rate.perSecond(4)), clock = clock)
        limiter.tryAcquire(permits = 10)
        clock.advance(Duration.ofMillis(100))
        limiter.tokenCount() shouldBe 0.4
        limiter.remainingQuota() shouldBe 0
        clock.advance(Duration.ofMillis(1_150))
        limiter.tokenCount() shouldBe 5.0
        limiter.remainingQuota() shouldBe 5
    }

    test("nextAvailableTimestamp is now when a permit is available, else the refill instant") {
        val clock = MockClock(start)
        val limiter = RateLimiter(LimitPolicy.tokenBucket(2, Rate.perMinute(1)), clock = clock)
        limiter.nextAvailableTimestamp("k") shouldBe start
        limiter.tryAcquire("k", 2)
        limiter.nextAvailableTimestamp("k") shouldBe start.plusSeconds(60)
        limiter.nextAvailableTimestamp("k", 2) shouldBe start.plusSeconds(120)
    }

    test("an acquire that must wait one hour finishes at once in virtual time, an hour later exactly") {
        runTest {
            val limiter = RateLimiter(LimitPolicy.tokenBucket(1, Rate.perHour(1)), clock = VirtualClock(testScheduler))
            limiter.tryAcquire().allowed shouldBe true
            val decision = limiter.acquire()
            decision.allowed shouldBe true
            testScheduler.currentTime shouldBe 1.hours.inWholeMilliseconds
        }
    }

    test("on the system clock, waits shorter than a millisecond are served one refill at a time") {
        // 20,000 permits a second from a bucket of one: every acquire waits about 50 µs.
        val limiter = RateLimiter(LimitPolicy.tokenBucket(1, Rate.perSecond(20_000)))
        val decisions = (1..200).map { limiter.acquire("fast", maxWait = 10.seconds) }
        decisions.all { it.allowed } shouldBe true
        limiter.usageStats().allowed shouldBe 200
        kotlinx.coroutines.withTimeoutOrNull(1) { limiter.acquire("fast", maxWait = 10.seconds) }
        limiter.usageStats().queueDepth shouldBe 0
    }

    test("acquire gives up at once when the next permit lies beyond maxWait") {
        runTest {
            val limiter = RateLimiter(LimitPolicy.tokenBucket(1, Rate.perHour(1)), clock = VirtualClock(testScheduler))
            limiter.tryAcquire()
            val decision = limiter.acquire(maxWait = 30.seconds)
            decision.reason shouldBe DenyReason.QUEUE_TIMEOUT
            decision.retryAfter shouldBe Duration.ofHours(1)
            testScheduler.currentTime shouldBe 0
        }
    }

    test("usage stats count requests overall and per key") {
        val limiter = RateLimiter(LimitPolicy.fixedWindow(2, Duration.ofMinutes(1)), clock = MockClock(start))
        repeat(3) { limiter.tryAcquire("a") }
        limiter.tryAcquire("b", 2)
        limiter.usageStats().allowed shouldBe 3
        limiter.usageStats().rejected shouldBe 1
        limiter.usageStats("a") shouldBe KeyUsage("a", 2, 1, 2)
        limiter.usageStats("b") shouldBe KeyUsage("b", 1, 0, 2)
        limiter.usageStats("never") shouldBe KeyUsage("never", 0, 0, 0)
    }

    test("a scoped limiter works on its own key only") {
        val limiter = RateLimiter(LimitPolicy.tokenBucket(2, Rate.perHour(2)), clock = MockClock(start))
        val dev42 = limiter.scopeByKey("dev-42")
        dev42.tryAcquire(2).allowed shouldBe true
        dev42.remainingQuota() shouldBe 0
        dev42.tryAcquire().allowed shouldBe false
        limiter.remainingQuota("dev-7") shouldBe 2
        dev42.usageStats().allowed shouldBe 1
        dev42.key shouldBe "dev-42"
    }

    test("a request for more permits than the policy holds fails at once with the fix in the message") {
        val limiter = RateLimiter(LimitPolicy.tokenBucket(5, Rate.perSecond(1)))
        val error = shouldThrow<IllegalArgumentException> { limiter.acquire(permits = 6) }
        error.message shouldContain "at most 5"
        shouldThrow<IllegalArgumentException> { limiter.tryAcquire(permits = 0) }
    }

    test("a closed limiter refuses work with a clear exception") {
        val limiter = RateLimiter(LimitPolicy.tokenBucket(5, Rate.perSecond(1)))
        limiter.use { it.tryAcquire().allowed shouldBe true }
        shouldThrow<LimiterClosedException> { limiter.tryAcquire() }.message shouldContain "closed"
    }

    test("reset gives a key a full bucket again") {
        val limiter = RateLimiter(LimitPolicy.slidingWindowLog(3, Duration.ofHours(1)), clock = MockClock(start))
        limiter.tryAcquire("k", 3)
        limiter.reset("k")
        limiter.remainingQuota("k") shouldBe 3
    }
})
