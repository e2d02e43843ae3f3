package dev.limiter.adaptive

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.config.LimitsConfig
import dev.limiter.config.validateLimits
import dev.limiter.testing.MockClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration

/** The `adaptive:` section: read, written back, and every mistake reported at its line and column. */
class AdaptiveConfigSpec : FunSpec({
    val base = "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\ndefault-policy: free\n"

    test("the section of the design reads with the defaults for what it leaves out") {
        val config = LimitsConfig.parse(base + "adaptive: { signal: cpu, high: 0.8, low: 0.6, min-factor: 0.25, interval: 1s, policies: [free] }\n")
        val adaptive = config.adaptive!!
        adaptive.signals shouldBe listOf(AdaptiveConfig.Signal.CPU)
        adaptive.policies shouldBe setOf("free")
        adaptive.settings shouldBe AdaptiveSettings(0.8, 0.6, 0.25, 0.75, 0.05, Duration.ofSeconds(1))
    }

    test("several signals, a latency target and an error threshold read, and toYaml reads back to an equal config") {
        val config = LimitsConfig.parse(
            base + "adaptive:\n  signal: [cpu, latency, error-rate]\n  latency-target: 250ms\n  error-threshold: 0.05\n" +
                "  high: 0.9\n  low: 0.5\n  decrease: 0.5\n  increase: 0.1\n  interval: 500ms\n  policies: [free, pro]\n",
        )
        val adaptive = config.adaptive!!
        adaptive.latencyTarget shouldBe Duration.ofMillis(250)
        adaptive.errorThreshold shouldBe 0.05
        adaptive.settings.interval shouldBe Duration.ofMillis(500)
        LimitsConfig.parse(config.toYaml()) shouldBe config
        LimitsConfig.parse(config.toYaml()).adaptive shouldBe adaptive
    }

    test("the config's limits follow the signals it names, fed by recorded responses") {
        val clock = MockClock()
        val adaptive = LimitsConfig.parse(base + "adaptive: { signal: latency, latency-target: 100ms, policies: [free] }\n")
            .adaptive!!.createLimits(clock)
        repeat(10) { adaptive.recordResponse(Duration.ofMillis(200), failed = false) }
        clock.advance(Duration.ofSeconds(1))
        adaptive.factor shouldBe 0.75
    }

    test("a section built in code must name policies of the config") {
        shouldThrow<IllegalArgumentException> {
            LimitsConfig(mapOf("free" to LimitPolicy.tokenBucket(40, Rate.perSecond(10))), "free",
                adaptive = AdaptiveConfig(listOf(AdaptiveConfig.Signal.CPU), setOf("fre")))
        }.message shouldContain "adaptive.policies: unknown policy 'fre' (did you mean 'free'?)"
        shouldThrow<IllegalArgumentException> { AdaptiveConfig(listOf(AdaptiveConfig.Signal.LATENCY), setOf("free")) }
            .message shouldContain "latency-target is missing"
    }

    context("every mistake is reported at its node, with the fix") {
        data class Case(val name: String, val section: String, val errors: List<Triple<String, Pair<Int, Int>, String>>)
        // The section starts on line 5; columns count from its first character.
        val cases = listOf(
            Case("an unknown signal", "adaptive: { signal: cpus, policies: [free] }",
                listOf(Triple("adaptive.signal", 5 to 21, "unknown signal 'cpus' (did you mean 'cpu'?); use one of cpu, heap, latency, error-rate"))),
            Case("an unknown policy", "adaptive: { signal: cpu, policies: [free, prro] }",
                listOf(Triple("adaptive.policies[1]", 5 to 43, "unknown policy 'prro' (did you mean 'pro'?)"))),
            Case("low above high", "adaptive: { signal: cpu, high: 0.5, low: 0.7, policies: [free] }",
                listOf(Triple("adaptive.low", 5 to 42, "low must be below high (0.5), was 0.7"))),
            Case("a factor floor of 0", "adaptive: { signal: cpu, min-factor: 0, policies: [free] }",
                listOf(Triple("adaptive.min-factor", 5 to 38, "min-factor must be in (0, 1], such as 0.25, was 0.0"))),
            Case("a word for a number", "adaptive: { signal: cpu, high: hot, policies: [free] }",
                listOf(Triple("adaptive.high", 5 to 32, "must be a number such as 0.8, was 'hot'"))),
            Case("a bad interval", "adaptive: { signal: cpu, interval: fast, policies: [free] }",
                listOf(Triple("adaptive.interval", 5 to 36, "invalid duration"))),
            Case("latency without a target", "adaptive: { signal: latency, policies: [free] }",
                listOf(Triple("adaptive.latency-target", 5 to 11, "missing field 'latency-target'"))),
            Case("a threshold without the error-rate signal", "adaptive: { signal: cpu, error-threshold: 0.1, policies: [free] }",
                listOf(Triple("adaptive.error-threshold", 5 to 26, "applies only to the error-rate signal"))),
            Case("no policies and a misspelled field", "adaptive: { signal: cpu, hihg: 0.9 }",
                listOf(
                    Triple("adaptive.policies", 5 to 11, "missing field 'policies'"),
                    Triple("adaptive.hihg", 5 to 26, "unknown field 'hihg' (did you mean 'high'?)"),
                )),
            Case("a list for a map", "adaptive: [cpu]",
                listOf(Triple("adaptive", 5 to 11, "must be a map such as { signal: cpu"))),
        )
        for (case in cases) {
            test(case.name) {
                val report = validateLimits(base + case.section + "\n")
                withClue(report.errors.joinToString("\n")) {
                    report.errors.size shouldBe case.errors.size
                    report.errors.zip(case.errors).forEach { (error, expected) ->
                        error.path shouldBe expected.first
                        (error.line to error.column) shouldBe expected.second
                        error.message shouldContain expected.third
                    }
                }
            }
        }
    }
})
