package dev.limiter.samples.kotlin

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimitExceededException
import dev.limiter.testing.FakeCall
import dev.limiter.testing.FakeRateLimiter
import dev.limiter.testing.TestRateLimiterFixture
import dev.limiter.testing.useVirtualTime
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

// snippet:kotlin-fake-limiter-spec
class ReportClientSpec : FunSpec({
    test("a report goes through the limiter under the developer's key") {
        runTest {
            val limiter = FakeRateLimiter()
            val client = ReportClient(limiter) { id -> "report for $id" }

            client.report("dev-42") shouldBe "report for dev-42"

            limiter.assertAcquired("dev-42", times = 1)
            limiter.calls.single().operation shouldBe FakeCall.Operation.QUEUE_REQUEST
            currentTime shouldBe 0 // a fake never waits, so virtual time stands still
        }
    }

    test("a limited developer gets the Retry-After and the backend is not called") {
        runTest {
            var backendCalls = 0
            val client = ReportClient(FakeRateLimiter.denying(5.seconds)) { backendCalls++; "report" }

            val e = shouldThrow<RateLimitExceededException> { client.report("dev-42") }

            e.retryAfter shouldBe Duration.ofSeconds(5)
            backendCalls shouldBe 0
        }
    }

    test("on virtual time, the fourth report of a 3-per-minute developer waits exactly 20 seconds") {
        runTest {
            val fixture = TestRateLimiterFixture(LimitPolicy.tokenBucket(3, Rate.perMinute(3))).useVirtualTime(testScheduler)
            val client = ReportClient(fixture.limiter) { id -> "report for $id" }

            repeat(3) { client.report("dev-42") }
            currentTime shouldBe 0
            client.report("dev-42") shouldBe "report for dev-42"
            currentTime shouldBe 20_000
            fixture.close()
        }
    }
})
// end-snippet
