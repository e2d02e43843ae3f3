package dev.limiter.adaptive

import dev.limiter.adaptive.internal.CpuSignal
import dev.limiter.adaptive.internal.HeapSignal
import dev.limiter.testing.MockClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeBetween
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import java.time.Duration

/** The built-in signals on a mock clock, and the factor gauge. */
class LoadSignalSpec : FunSpec({
    val ms = Duration::ofMillis

    context("latency") {
        test("the load is the 90th percentile over the target, in steps of 1/16") {
            val clock = MockClock()
            val latency = LoadSignal.latency(ms(200), clock = clock)
            latency.load() shouldBe 0.0
            repeat(90) { latency.record(ms(100)) }
            repeat(10) { latency.record(ms(1_000)) }
            latency.load() shouldBe 0.5 // the 90th of 100 times took 100 ms
            latency.record(ms(300))
            latency.load() shouldBe 1.5 // now the 91st of 101 is needed: 300 ms
            latency.record(ms(201))
            latency.load() shouldBe 1.5
        }

        test("times beyond four targets read 4, and old times leave the window") {
            val clock = MockClock()
            val latency = LoadSignal.latency(ms(100), window = Duration.ofSeconds(10), clock = clock)
            repeat(10) { latency.record(Duration.ofSeconds(30)) }
            latency.load() shouldBe 4.0
            clock.advance(Duration.ofSeconds(9))
            latency.record(ms(50))
            latency.load() shouldBe 4.0
            clock.advance(Duration.ofSeconds(1)) // the slot of the slow times has left the window
            latency.load() shouldBe 0.5
            clock.advance(Duration.ofSeconds(10))
            latency.load() shouldBe 0.0
        }
    }

    context("error rate") {
        test("a failure rate at the threshold reads 1; below the minimum of responses it reads 0") {
            val clock = MockClock()
            val errors = LoadSignal.errorRate(threshold = 0.1, minRequests = 20, clock = clock)
            repeat(19) { errors.record(failed = it < 5) }
            errors.load() shouldBe 0.0
            errors.record(failed = false)
            errors.load() shouldBe 2.5 // 5 of 20 is 25 %, 2.5 thresholds
            repeat(30) { errors.record(failed = false) }
            errors.load() shouldBe 1.0 // 5 of 50 is 10 %
            clock.advance(Duration.ofSeconds(10))
            errors.load() shouldBe 0.0
        }

        test("a threshold outside (0, 1] is refused with the fix") {
            shouldThrow<IllegalArgumentException> { LoadSignal.errorRate(threshold = 5.0) }.message shouldContain
                "threshold must be a failure rate in (0, 1], such as 0.1, was 5.0"
        }
    }

    test("max reads the most loaded signal, and recorded responses reach every signal inside it") {
        val clock = MockClock()
        val latency = LoadSignal.latency(ms(100), clock = clock)
        val errors = LoadSignal.errorRate(threshold = 0.5, minRequests = 1, clock = clock)
        val adaptive = AdaptiveLimits(LoadSignal.max(LoadSignal { 0.2 }, latency, errors), AdaptiveSettings(), clock)
        adaptive.recordResponse(ms(150), failed = false)
        latency.load() shouldBe 1.5
        errors.load() shouldBe 0.0
        adaptive.recordResponse(ms(10), failed = true)
        errors.load() shouldBe 1.0
        LoadSignal.max(LoadSignal { 0.2 }, latency, errors).load() shouldBe 1.5
        shouldThrow<IllegalArgumentException> { LoadSignal.max() }.message shouldContain "at least one signal"
    }

    test("cpu reads between 0 and 1 on this machine, and 0 when the JVM cannot tell") {
        LoadSignal.cpu().load().shouldBeBetween(0.0, 1.0, 0.0)
        CpuSignal { -1.0 }.load() shouldBe 0.0
    }

    test("heap reads the heap in use after collection over its maximum") {
        HeapSignal(afterGc = { 300 }, max = { 1_000 }).load() shouldBe 0.3
        HeapSignal(afterGc = { 300 }, max = { -1 }).load() shouldBe 0.0
        LoadSignal.heap().load().shouldBeBetween(0.0, 1.0, 0.0)
    }

    test("the gauge limiter.adaptive.factor follows the factor") {
        val clock = MockClock()
        val adaptive = AdaptiveLimits(LoadSignal { 1.0 }, AdaptiveSettings(), clock)
        val registry = SimpleMeterRegistry()
        AdaptiveMetrics(adaptive).bindTo(registry)
        val gauge = registry.find(AdaptiveMetrics.FACTOR).gauge()!!
        gauge.value() shouldBe 1.0
        clock.advance(Duration.ofSeconds(1))
        gauge.value() shouldBe 0.75
    }
})
