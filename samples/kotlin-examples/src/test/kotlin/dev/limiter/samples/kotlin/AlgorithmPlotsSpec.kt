package dev.limiter.samples.kotlin

import io.kotest.core.spec.style.FunSpec
import dev.limiter.samples.kotlin.plots.algorithmPlotsMarkdown
import dev.limiter.samples.kotlin.plots.allowedPerSlot
import dev.limiter.samples.kotlin.plots.plottedPolicies
import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import kotlin.io.path.readText

class AlgorithmPlotsSpec : FunSpec({
    test("docs/algorithm-plots.md is what the generator prints today") {
        val file = repositoryRoot().resolve("docs/algorithm-plots.md")
        withClue("$file is stale: regenerate it with the command at its end") {
            file.readText() shouldBe algorithmPlotsMarkdown()
        }
    }

    test("a token bucket allows the burst of 10 plus one per 100 ms refilled: 39 in the 2.98 s of traffic") {
        val slots = allowedPerSlot(plottedPolicies.first { it.first.startsWith("LimitPolicy.tokenBucket") }.second)
        slots.take(2) shouldBe listOf(5, 5)
        slots.drop(3).toSet() shouldBe setOf(1)
        slots.sum() shouldBe 39
    }

    test("a sliding log never allows more than 10 in any second") {
        val slots = allowedPerSlot(plottedPolicies.first { it.first.startsWith("LimitPolicy.slidingWindowLog") }.second)
        slots.windowed(10).maxOf { it.sum() } shouldBe 10
    }

    test("a fixed window allows 10 at the start of each window, so 20 across a boundary") {
        val slots = allowedPerSlot(plottedPolicies.first { it.first.startsWith("LimitPolicy.fixedWindow") }.second)
        slots.windowed(10).maxOf { it.sum() } shouldBe 20
    }
})
