@file:OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)

package dev.limiter.testing

import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.extensions.install
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.time.Duration
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** The fixture on `runTest`'s virtual time: long waits finish at once and exactly. */
class TestRateLimiterFixtureVirtualTimeSpec : FunSpec({
    val hourly = LimitPolicy.tokenBucket(2, Rate.perHour(2))
    val fixture = install(TestRateLimiterKotestExtension(hourly))

    test("an acquire that must wait half an hour finishes at once, exactly half an hour of virtual time later") {
        runTest {
            fixture.useVirtualTime(testScheduler)
            fixture.clock.shouldBeInstanceOf<VirtualClock>()
            fixture.exhaust("dev-42") shouldBe 2
            fixture.assertRetryAfter("dev-42", 30.minutes)
            val decision = fixture.limiter.acquire("dev-42", maxWait = 1.hours)
            decision.allowed shouldBe true
            testScheduler.currentTime shouldBe 30.minutes.inWholeMilliseconds
            fixture.now() shouldBe MockClock.DEFAULT_START.plus(Duration.ofMinutes(30))
        }
    }

    test("advanceTime on virtual time releases queued waiters by priority, one per refill") {
        runTest {
            fixture.useVirtualTime(testScheduler)
            fixture.exhaust()
            val granted = mutableListOf<String>()
            for ((name, priority) in listOf("low" to 0, "high" to 9, "mid" to 5)) {
                launch {
                    fixture.limiter.queueRequest(priority = priority, maxWait = 2.hours).allowed shouldBe true
                    granted += name
                }
                runCurrent()
            }
            fixture.advanceTime(29.minutes)
            granted shouldBe emptyList()
            fixture.advanceTime(1.minutes)
            granted shouldBe listOf("high")
            fixture.advanceTime(Duration.ofMinutes(60))
            granted shouldBe listOf("high", "mid", "low")
        }
    }

    test("a waiter whose grant lies beyond its maxWait times out at once, without virtual time passing") {
        runTest {
            fixture.useVirtualTime(testScheduler)
            fixture.exhaust()
            val decision = fixture.limiter.acquire(maxWait = 10.seconds)
            decision.reason shouldBe DenyReason.QUEUE_TIMEOUT
            testScheduler.currentTime shouldBe 0
        }
    }

    test("virtual time moves in whole milliseconds, and the mock clock is gone until the next reset") {
        runTest {
            fixture.useVirtualTime(testScheduler)
            shouldThrow<IllegalArgumentException> { fixture.advanceTime(1500.milliseconds / 1000) }
                .message shouldContain "whole milliseconds"
            shouldThrow<IllegalStateException> { fixture.mockClock }.message shouldContain "virtual time"
        }
    }

    test("the extension puts the fixture back on a mock clock before the next test") {
        fixture.clock shouldBe fixture.mockClock
        fixture.now() shouldBe MockClock.DEFAULT_START
        fixture.assertRemaining(expected = 2)
    }
})
