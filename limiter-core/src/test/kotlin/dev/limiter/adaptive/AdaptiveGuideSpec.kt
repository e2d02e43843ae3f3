package dev.limiter.adaptive

import dev.limiter.RateLimits
import dev.limiter.config.LimitsConfig
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import java.io.File
import java.time.Duration

/**
 * The examples of docs/adaptive.md, run; and every Kotlin and Java block of the guide is
 * quoted from a test source, so a block that drifts from the API stops matching.
 */
class AdaptiveGuideSpec : FunSpec({
    test("adaptive limits in code, with a listener and the gauge") {
        val clock = MockClock()
        val registry = SimpleMeterRegistry()
        val limits = RateLimits(LimitsConfig.parse(File("../docs/examples/adaptive.yaml").readText()), clock = clock)
        // snippet:adaptive-in-code
        val latency = LoadSignal.latency(target = Duration.ofMillis(250), clock = clock)
        val adaptive = AdaptiveLimits(
            LoadSignal.max(LoadSignal.cpu(), latency),
            AdaptiveSettings(high = 0.8, low = 0.6, minFactor = 0.25, interval = Duration.ofSeconds(1)),
            clock,
        )
        limits.adapt(adaptive, setOf("free"))
        AdaptiveMetrics(adaptive).bindTo(registry)
        adaptive.addListener { change -> println("limits now at ${change.to}: ${change.reason}") }
        // end-snippet
        repeat(100) { adaptive.recordResponse(Duration.ofMillis(400), failed = false) }
        clock.advance(Duration.ofSeconds(1))
        adaptive.factor shouldBe 0.75 // p90 of 400 ms is 1.6 targets
    }

    test("adaptive limits from the config's adaptive section") {
        val yaml = File("../docs/examples/adaptive.yaml").readText()
        val config = LimitsConfig.parse(yaml)
        val limits = RateLimits(config) // applies config.adaptive by itself
        val adaptive = limits.adaptive // the AdaptiveLimits it built: factor, reason, lastChange
        adaptive!!.factor shouldBe 1.0
        limits.adaptivePolicies shouldBe setOf("free")
    }

    test("every code block of the adaptive guide is quoted from a test that runs") {
        fun lines(text: String) = text.lines().map { it.trim() }.filter { it.isNotEmpty() }
        val sources = listOf(File("src/test/kotlin"), File("src/test/java"))
            .flatMap { root -> root.walkTopDown().filter { it.isFile && (it.extension == "kt" || it.extension == "java") } }
            .map { lines(it.readText()) }
        val blocks = Regex("```(kotlin|java)\\n(.*?)```", RegexOption.DOT_MATCHES_ALL)
            .findAll(File("../docs/adaptive.md").readText()).map { lines(it.groupValues[2]) }.toList()
        blocks.size shouldBeGreaterThan 2
        blocks.filter { block -> sources.none { source -> source.containsRun(block) } }.map { it.joinToString("\n") }.shouldBeEmpty()
    }
})

private fun List<String>.containsRun(run: List<String>): Boolean =
    indices.any { start -> start + run.size <= size && run.indices.all { this[start + it] == run[it] } }
