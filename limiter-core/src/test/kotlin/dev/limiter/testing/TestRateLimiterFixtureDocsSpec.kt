package dev.limiter.testing

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThan
import java.io.File

/**
 * Every Kotlin and Java block in docs/testing.md is code from a test that runs: its lines,
 * trimmed, appear one after the other in a test source (core's, or the Java quickstart's). A block that drifts from the API
 * stops matching, and this spec names it.
 */
class TestRateLimiterFixtureDocsSpec : FunSpec({
    val guide = File("../docs/testing.md")
    // The guide's complete JUnit 5 example is the Java quickstart's ReportsQuotaTest.
    val testSources = listOf(File("src/test/kotlin"), File("src/test/java"), File("../samples/java-quickstart/src/test/java"))
        .flatMap { root -> root.walkTopDown().filter { it.isFile && (it.extension == "kt" || it.extension == "java") } }

    fun lines(text: String) = text.lines().map { it.trim() }.filter { it.isNotEmpty() }

    test("every code block of the testing guide is quoted from a test that runs") {
        val blocks = Regex("```(kotlin|java)\\n(.*?)```", RegexOption.DOT_MATCHES_ALL)
            .findAll(guide.readText()).map { lines(it.groupValues[2]) }.toList()
        blocks.size shouldBeGreaterThan 10
        val sources = testSources.map { lines(it.readText()) }
        val unquoted = blocks.filter { block -> sources.none { source -> source.containsRun(block) } }
        unquoted.map { it.joinToString("\n") }.shouldBeEmpty()
    }
})

private fun List<String>.containsRun(run: List<String>): Boolean =
    indices.any { start -> start + run.size <= size && run.indices.all { this[start + it] == run[it] } }
