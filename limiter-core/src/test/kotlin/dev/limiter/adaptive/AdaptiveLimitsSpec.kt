package dev.limiter.adaptive

import dev.limiter.testing.MockClock
import dev.limiter.testing.VirtualClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.test.runTest
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/** The factor's path under a scripted load, read on a mock clock one interval at a time. */
class AdaptiveLimitsSpec : FunSpec({
    /** Reads `loads[n]` at the end of second n + 1 after the clock's start (the last load after that). */
    fun scripted(clock: MockClock, vararg loads: Double): LoadSignal {
        val start = clock.nowNanos()
        return LoadSignal { loads[(((clock.nowNanos() - start) / 1_000_000_000L).toInt() - 1).coerceIn(0, loads.size - 1)] }
    }

    /** The factor read at the end of each of [seconds] seconds. */
    fun path(adaptive: AdaptiveLimits, clock: MockClock, seconds: Int): List<Double> = (1..seconds).map {
        clock.advance(Duration.ofSeconds(1))
        adaptive.factor
    }

    test("a spike takes the factor down by 0.75 a second to the floor, and it climbs back by 0.05 a second") {
        val clock = MockClock()
        val loads = doubleArrayOf(0.5) + DoubleArray(6) { 0.95 } + DoubleArray(16) { 0.2 }
        val adaptive = AdaptiveLimits(scripted(clock, *loads), AdaptiveSettings(), clock)
        adaptive.factor shouldBe 1.0
        path(adaptive, clock, 23) shouldBe listOf(
            1.0, // low load, already at 1
            0.75, 0.562, 0.421, 0.315, 0.25, 0.25, // 0.315 x 0.75 = 0.236 is below the floor
            0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0,
        )
    }

    test("a load between the watermarks leaves the factor where it is, whichever way it came") {
        val clock = MockClock()
        val loads = doubleArrayOf(0.9, 0.9, 0.7, 0.79, 0.61, 0.8, 0.6, 0.75, 0.65, 0.7)
        val adaptive = AdaptiveLimits(scripted(clock, *loads), AdaptiveSettings(), clock)
        path(adaptive, clock, 10) shouldBe listOf(0.75, 0.562, 0.562, 0.562, 0.562, 0.562, 0.562, 0.562, 0.562, 0.562)
        adaptive.lastChange!!.to shouldBe 0.562
    }

    test("a floor of 0.5 holds under a load that never lets go") {
        val clock = MockClock()
        val adaptive = AdaptiveLimits(LoadSignal { 3.0 }, AdaptiveSettings(minFactor = 0.5, decrease = 0.5), clock)
        path(adaptive, clock, 60).toSet() shouldBe setOf(0.5)
    }

    test("nothing moves before the first interval has passed") {
        val clock = MockClock()
        val adaptive = AdaptiveLimits(LoadSignal { 1.0 }, AdaptiveSettings(), clock)
        clock.advance(Duration.ofMillis(999))
        adaptive.factor shouldBe 1.0
        clock.advance(Duration.ofMillis(1))
        adaptive.factor shouldBe 0.75
        adaptive.factor shouldBe 0.75
    }

    test("after intervals no one read, the signal is read once and the factor takes one step") {
        val clock = MockClock()
        var reads = 0
        val adaptive = AdaptiveLimits(LoadSignal { reads++; 1.0 }, AdaptiveSettings(), clock)
        clock.advance(Duration.ofMillis(5_500))
        adaptive.factor shouldBe 0.75
        reads shouldBe 1
        clock.advance(Duration.ofMillis(400)) // 5.9 s: the next grid point is 6 s
        adaptive.factor shouldBe 0.75
        clock.advance(Duration.ofMillis(100))
        adaptive.factor shouldBe 0.562
        reads shouldBe 2
    }

    test("every change reaches the listeners once, with the load against the watermark it crossed") {
        val clock = MockClock()
        val adaptive = AdaptiveLimits(scripted(clock, 0.7, 0.93, 0.93, 0.7, 0.1), AdaptiveSettings(), clock)
        val changes = ArrayList<FactorChange>()
        adaptive.addListener { changes += it }
        adaptive.reason shouldContain "factor 1.000"
        path(adaptive, clock, 6)
        changes.map { it.reason } shouldBe listOf(
            "load 0.930 above high 0.8: factor 1.000 -> 0.750",
            "load 0.930 above high 0.8: factor 0.750 -> 0.562",
            "load 0.100 below low 0.6: factor 0.562 -> 0.612",
            "load 0.100 below low 0.6: factor 0.612 -> 0.662",
        )
        changes[0].at shouldBe MockClock.DEFAULT_START.plusSeconds(2)
        adaptive.reason shouldBe changes.last().reason
        adaptive.lastChange shouldBe changes.last()
    }

    test("a closed listener hears nothing more, and a failing one does not stop the others") {
        val clock = MockClock()
        val adaptive = AdaptiveLimits(LoadSignal { 1.0 }, AdaptiveSettings(), clock)
        var heard = 0
        var other = 0
        val handle = adaptive.addListener { heard++ }
        adaptive.addListener { error("broken listener") }
        adaptive.addListener { other++ }
        path(adaptive, clock, 1)
        handle.close()
        path(adaptive, clock, 2)
        heard shouldBe 1
        other shouldBe 3
    }

    test("a signal that throws or answers NaN leaves the factor where it is") {
        val clock = MockClock()
        val answers = ArrayDeque(listOf<() -> Double>({ 1.0 }, { error("no reading") }, { Double.NaN }, { 1.0 }))
        val adaptive = AdaptiveLimits(LoadSignal { answers.removeFirst()() }, AdaptiveSettings(), clock)
        path(adaptive, clock, 4) shouldBe listOf(0.75, 0.75, 0.75, 0.562)
    }

    test("started in a scope, the factor moves with no one reading it, on virtual time") {
        runTest {
            val clock = VirtualClock(testScheduler)
            val adaptive = AdaptiveLimits(LoadSignal { 1.0 }, AdaptiveSettings(), clock)
            val changes = ArrayList<Double>()
            adaptive.addListener { changes += it.to }
            val job = adaptive.start(this)
            testScheduler.advanceTimeBy(3.seconds)
            testScheduler.runCurrent()
            job.cancel()
            changes shouldBe listOf(0.75, 0.562, 0.421)
        }
    }

    test("a reader who finds the interval due while another reader takes the step gets the new factor, not the old") {
        val clock = MockClock()
        val entered = java.util.concurrent.CountDownLatch(1)
        val release = java.util.concurrent.CountDownLatch(1)
        val adaptive = AdaptiveLimits({ entered.countDown(); release.await(); 0.95 }, AdaptiveSettings(), clock)
        clock.advance(Duration.ofSeconds(1))
        val taking = java.util.concurrent.CompletableFuture.supplyAsync { adaptive.factor }
        entered.await() // the first reader is inside the step, reading the signal
        val second = java.util.concurrent.CompletableFuture.supplyAsync { adaptive.factor }
        release.countDown()
        taking.get() shouldBe 0.75
        second.get() shouldBe 0.75 // before the fix it lost the race for the step and answered 1.0
    }

    test("settings that cannot work are refused, naming the setting and the fix") {
        shouldThrow<IllegalArgumentException> { AdaptiveSettings(high = 0.6, low = 0.6) }.message shouldContain
            "low must be below high (0.6), was 0.6"
        shouldThrow<IllegalArgumentException> { AdaptiveSettings(minFactor = 0.0) }.message shouldContain "minFactor must be in (0, 1]"
        shouldThrow<IllegalArgumentException> { AdaptiveSettings(decrease = 1.0) }.message shouldContain "decrease must be in (0, 1)"
        shouldThrow<IllegalArgumentException> { AdaptiveSettings(increase = 0.0) }.message shouldContain "increase must be in (0, 1]"
        shouldThrow<IllegalArgumentException> { AdaptiveSettings(interval = Duration.ZERO) }.message shouldContain "interval must be at least 1ms"
        shouldThrow<IllegalArgumentException> { AdaptiveSettings(high = Double.NaN) }.message shouldContain "high must be a load greater than 0"
    }
})
