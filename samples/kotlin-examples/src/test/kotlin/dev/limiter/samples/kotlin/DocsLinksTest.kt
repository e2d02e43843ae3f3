package dev.limiter.samples.kotlin

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThan
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.name
import kotlin.io.path.readLines

/**
 * Every relative link in the docs points at a file or directory of the repository, so a
 * renamed guide or sample shows up as a failing build rather than a 404 in the portal.
 */
class DocsLinksTest : FunSpec({
    val root = repositoryRoot()

    test("every relative link in the Markdown at the root and under docs/ resolves") {
        val markdown = Files.walk(root.resolve("docs")).use { paths -> paths.filter { it.name.endsWith(".md") }.toList() } +
            Files.list(root).use { paths -> paths.filter { it.name.endsWith(".md") }.toList() }
        val links = markdown.flatMap { file -> linksIn(file).map { (line, target) -> Triple(file, line, target) } }
        links.size shouldBeGreaterThan 20
        links.mapNotNull { (file, line, target) ->
            val resolved = file.parent.resolve(target).normalize()
            val relative = root.relativize(resolved).toString().replace('\\', '/')
            if (Files.exists(resolved)) null
            else "${root.relativize(file)}:$line links to $target (${relative}), which does not exist"
        }.shouldBeEmpty()
    }
})

private val LINK = Regex("""\]\(([^)\s]+)\)""")

/** Returns (line, target) of every relative link in [file], without its #fragment; skips code blocks. */
private fun linksIn(file: Path): List<Pair<Int, String>> {
    var inCode = false
    return file.readLines().withIndex().flatMap { (index, text) ->
        if (text.trimStart().startsWith("```")) inCode = !inCode
        if (inCode) emptyList()
        else LINK.findAll(text).map { it.groupValues[1].substringBefore('#') }
            .filter { it.isNotEmpty() && !it.contains("://") && !it.startsWith("mailto:") }
            .map { index + 1 to it }.toList()
    }
}
