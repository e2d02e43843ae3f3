package dev.limiter

import dev.limiter.testing.MockClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.delay
import kotlinx.coroutines.test.runTest
import java.time.Duration

interface Reports {
    @DefaultLimits(calls = 2, period = "1m")
    fun generate(id: String): String

    @DefaultLimits(calls = 3, period = "1h")
    suspend fun fetch(id: String): String

    @DefaultLimits(calls = 5, period = "1s")
    suspend fun failing(): String

    fun ping(): String
}

@DefaultLimits(calls = 1, period = "1d")
interface Billing {
    fun charge(): String

    @DefaultLimits(calls = 3, period = "1d")
    fun refund(): String
}

interface Broken {
    @DefaultLimits(calls = 1, period = "soon")
    fun call()
}

private class CountingReports : Reports {
    var calls = 0

    override fun generate(id: String): String = "report $id".also { calls++ }

    override suspend fun fetch(id: String): String {
        delay(5_000) // really suspends: the proxy must resume its caller afterwards
        calls++
        return "fetched $id"
    }

    override suspend fun failing(): String {
        delay(1)
        throw IllegalStateException("target failed")
    }

    override fun ping(): String = "pong".also { calls++ }
}

class RateLimitedProxySpec : FunSpec({
    test("an annotated method allows its calls per period, then throws without reaching the target") {
        val clock = MockClock()
        val target = CountingReports()
        val reports = RateLimitedProxy.create(Reports::class.java, target, LocalBucketStore(), clock)

        reports.generate("a") shouldBe "report a"
        reports.generate("b") shouldBe "report b"
        val thrown = shouldThrow<RateLimitExceededException> { reports.generate("c") }

        thrown.retryAfter shouldBe Duration.ofSeconds(30)
        target.calls shouldBe 2
        clock.advance(Duration.ofSeconds(30))
        reports.generate("d") shouldBe "report d"
    }

    test("a method without the annotation, on an interface without one, is not limited") {
        val reports = rateLimited<Reports>(CountingReports(), clock = MockClock())
        repeat(1_000) { reports.ping() shouldBe "pong" }
    }

    test("a suspend method is limited on the suspending path and returns its result after suspending") {
        runTest {
            val target = CountingReports()
            val reports = rateLimited<Reports>(target, LocalBucketStore(), MockClock())

            List(3) { reports.fetch("r$it") } shouldBe listOf("fetched r0", "fetched r1", "fetched r2")
            val thrown = shouldThrow<RateLimitExceededException> { reports.fetch("r3") }

            thrown.retryAfter shouldBe Duration.ofMinutes(20)
            target.calls shouldBe 3
            testScheduler.currentTime shouldBe 15_000
        }
    }

    test("an exception from a suspend target reaches the caller unchanged") {
        runTest {
            val reports = rateLimited<Reports>(CountingReports(), clock = MockClock())
            shouldThrow<IllegalStateException> { reports.failing() }.message shouldBe "target failed"
        }
    }

    test("an interface's annotation limits every method without its own") {
        val billing = rateLimited<Billing>(
            object : Billing {
                override fun charge() = "charged"
                override fun refund() = "refunded"
            },
            clock = MockClock(),
        )
        billing.charge() shouldBe "charged"
        shouldThrow<RateLimitExceededException> { billing.charge() }
        List(3) { billing.refund() } shouldBe List(3) { "refunded" }
        shouldThrow<RateLimitExceededException> { billing.refund() }
    }

    test("each method has its own bucket") {
        val reports = rateLimited<Reports>(CountingReports(), clock = MockClock())
        repeat(2) { reports.generate("x") }
        shouldThrow<RateLimitExceededException> { reports.generate("x") }
        runTest { reports.fetch("y") shouldBe "fetched y" }
    }

    test("proxies of one interface over one store share their buckets; by default each proxy has its own") {
        val clock = MockClock()
        val shared = LocalBucketStore()
        val first = rateLimited<Reports>(CountingReports(), shared, clock)
        val second = rateLimited<Reports>(CountingReports(), shared, clock)
        first.generate("a")
        first.generate("b")
        shouldThrow<RateLimitExceededException> { second.generate("c") }

        val own = rateLimited<Reports>(CountingReports(), clock = clock)
        own.generate("d") shouldBe "report d"
    }

    test("equals, hashCode and toString are neither limited nor sent to the target's identity") {
        val target = object : Billing {
            override fun charge() = "charged"
            override fun refund() = "refunded"
            override fun toString() = "billing"

            // A target that claims equality with anything: the proxy must not ask it.
            override fun equals(other: Any?) = true
            override fun hashCode() = 42
        }
        val reports = rateLimited<Billing>(target)
        val sameTarget = rateLimited<Billing>(target)
        // charge() allows one call a day: ten rounds of these calls would be refused if limited.
        repeat(10) {
            reports.equals(reports) shouldBe true
            reports.equals(sameTarget) shouldBe false
            reports.equals(target) shouldBe false
            reports.hashCode() shouldBe System.identityHashCode(reports)
            reports.toString() shouldBe "RateLimitedProxy(billing)"
        }
        reports.charge() shouldBe "charged"
        shouldThrow<RateLimitExceededException> { reports.charge() }
    }

    test("an annotation with a bad period is refused when the proxy is created, naming the method") {
        val thrown = shouldThrow<IllegalArgumentException> {
            rateLimited<Broken>(object : Broken { override fun call() {} })
        }
        thrown.message shouldContain "dev.limiter.Broken.call: @DefaultLimits period: invalid duration 'soon'"
    }

    test("the policy of an annotation is a token bucket of calls refilled at calls per period") {
        defaultLimitsPolicy(1000, "1h") shouldBe LimitPolicy.tokenBucket(1000, Rate.perHour(1000))
        shouldThrow<IllegalArgumentException> { defaultLimitsPolicy(0, "1h") }.message shouldBe
            "@DefaultLimits calls must be at least 1, was 0"
    }
})
