package dev.limiter.samples.kotlin.snippets

import dev.limiter.samples.kotlin.repositoryRoot
import java.nio.file.Path
import kotlin.io.path.readLines
import kotlin.io.path.writeText

/**
 * Rewrites every `<!-- snippet:NAME -->` code block in the docs with its compiled source region.
 *
 * Run from the repository root after changing a sample:
 * `./mvnw -q -pl samples/kotlin-examples -am package -DskipTests exec:java@sync-snippets`;
 * the root may also be given as the argument.
 */
fun main(args: Array<String>) {
    val root = args.firstOrNull()?.let { Path.of(it).toAbsolutePath().normalize() } ?: repositoryRoot()
    val snippets = Snippets(root)
    var changed = 0
    snippets.docSnippets.groupBy { it.file }.forEach { (file, blocks) ->
        val lines = file.readLines().toMutableList()
        // Bottom-up, so earlier blocks keep their line numbers.
        for (block in blocks.sortedByDescending { it.fenceStart }) {
            val region = snippets.regions[block.name] ?: continue
            if (region.lines == block.lines) continue
            val indent = lines[block.fenceStart].takeWhile { it == ' ' }
            val body = region.lines.map { if (it.isEmpty()) it else indent + it }
            for (i in block.fenceEnd - 1 downTo block.fenceStart + 1) lines.removeAt(i)
            lines.addAll(block.fenceStart + 1, body)
            changed++
        }
        file.writeText(lines.joinToString("\n", postfix = "\n"))
    }
    snippets.problems.forEach { System.err.println(it) }
    println("updated $changed snippet block(s) under $root")
}
