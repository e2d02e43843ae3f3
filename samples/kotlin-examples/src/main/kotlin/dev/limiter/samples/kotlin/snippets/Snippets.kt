package dev.limiter.samples.kotlin.snippets

import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.extension
import kotlin.io.path.invariantSeparatorsPathString
import kotlin.io.path.name
import kotlin.io.path.readLines
import kotlin.streams.asSequence

/**
 * A region of a compiled source between `// snippet:NAME` and `// end-snippet` (`#` in YAML),
 * as it should appear in the docs: [lines] with the common indentation removed.
 */
class SourceRegion(val name: String, val file: Path, val line: Int, val lines: List<String>)

/** A fenced code block preceded by `<!-- snippet:NAME -->` in a Markdown file; [line] is the marker's (1-based). */
class DocSnippet(val name: String, val file: Path, val line: Int, val fenceStart: Int, val fenceEnd: Int, val lines: List<String>)

/**
 * Finds snippet regions in the repository's sources and snippet blocks in its Markdown, and
 * what is wrong with them; the engine of `DocsSnippetsTest` and of [main] (which rewrites the
 * docs from the sources).
 */
class Snippets(private val root: Path) {
    /** Problems found while reading regions: unclosed, stray or duplicated markers. */
    val problems: MutableList<String> = mutableListOf()

    /** Every region in the sources, by name. */
    val regions: Map<String, SourceRegion> by lazy { readRegions() }

    /** Every snippet block in the Markdown at the root and under `docs/`. */
    val docSnippets: List<DocSnippet> by lazy { markdownFiles().flatMap(::readDocSnippets) }

    /**
     * Returns one message per problem: a marker that is not closed or defined twice, a doc
     * snippet that names no region, or one whose code differs from its region. Empty when the
     * docs show exactly the compiled code.
     */
    fun check(): List<String> {
        val mismatches = docSnippets.mapNotNull { doc ->
            val where = "${relative(doc.file)}:${doc.line}"
            val region = regions[doc.name]
                ?: return@mapNotNull "$where: snippet '${doc.name}' names no region; mark one in a compiled source " +
                    "with // snippet:${doc.name} … // end-snippet (known: ${regions.keys.sorted()})"
            if (region.lines == doc.lines) null
            else "$where: snippet '${doc.name}' differs from ${relative(region.file)}:${region.line}\n" +
                "--- docs\n${doc.lines.joinToString("\n")}\n--- source\n${region.lines.joinToString("\n")}\n" +
                "run SyncSnippetsKt (see docs/README.md) to copy the source into the docs"
        }
        return problems + mismatches
    }

    /**
     * Returns one message per Kotlin or Java code block in the Markdown that is neither a
     * snippet (`<!-- snippet:NAME -->`, compiled) nor marked `<!-- not-compiled: REASON -->`
     * (hand-written; the reason says why, and where a copy is tested if one is).
     */
    fun unmarkedCodeBlocks(): List<String> = markdownFiles().flatMap { file ->
        val lines = file.readLines()
        val unmarked = mutableListOf<String>()
        var closing: String? = null
        lines.forEachIndexed { index, text ->
            if (closing != null) {
                if (text.trim() == closing) closing = null
                return@forEachIndexed
            }
            val fence = FENCE_WITH_LANGUAGE.matchEntire(text) ?: return@forEachIndexed
            closing = fence.groupValues[2]
            val language = fence.groupValues[3]
            if (language !in CODE_LANGUAGES) return@forEachIndexed
            val marker = lines.subList(0, index).lastOrNull { it.isNotBlank() }?.trim().orEmpty()
            if (!DOC_MARKER.matches(marker) && !NOT_COMPILED.matches(marker)) {
                unmarked += "${relative(file)}:${index + 1}: a $language block that is neither compiled nor marked; precede it " +
                    "with <!-- snippet:NAME --> (a region of a compiled source) or <!-- not-compiled: REASON -->"
            }
        }
        unmarked
    }

    /** Returns the repository-relative path of [file], for messages. */
    fun relative(file: Path): String = root.relativize(file).invariantSeparatorsPathString

    private fun sourceFiles(): List<Path> = walk().filter { it.extension in SOURCE_EXTENSIONS }

    private fun markdownFiles(): List<Path> = walk().filter {
        it.extension == "md" && (relative(it).startsWith("docs/") || !relative(it).contains('/'))
    }

    private fun walk(): List<Path> = Files.walk(root).use { paths ->
        paths.asSequence()
            .filter { Files.isRegularFile(it) }
            .filter { path -> root.relativize(path).none { it.name in SKIPPED_DIRECTORIES } }
            .sorted()
            .toList()
    }

    private fun readRegions(): Map<String, SourceRegion> {
        val found = LinkedHashMap<String, SourceRegion>()
        for (file in sourceFiles()) {
            val lines = file.readLines()
            val open = ArrayDeque<Pair<String, Int>>()
            val bodies = HashMap<String, MutableList<String>>()
            lines.forEachIndexed { index, text ->
                val start = START.matchEntire(text)
                when {
                    start != null -> {
                        val name = start.groupValues[2]
                        open.addLast(name to index + 1)
                        bodies[name] = mutableListOf()
                    }
                    END.matches(text) -> {
                        val (name, line) = open.removeLastOrNull() ?: run {
                            problems += "${relative(file)}:${index + 1}: end-snippet without a snippet:NAME before it"
                            return@forEachIndexed
                        }
                        val region = SourceRegion(name, file, line, normalize(bodies.getValue(name)))
                        val earlier = found.putIfAbsent(name, region)
                        if (earlier != null) {
                            problems += "${relative(file)}:$line: snippet '$name' is already defined at " +
                                "${relative(earlier.file)}:${earlier.line}; give one of them another name"
                        }
                    }
                    else -> open.forEach { (name, _) -> bodies.getValue(name) += text }
                }
            }
            open.forEach { (name, line) -> problems += "${relative(file)}:$line: snippet '$name' has no // end-snippet" }
        }
        return found
    }

    private fun readDocSnippets(file: Path): List<DocSnippet> {
        val lines = file.readLines()
        val found = mutableListOf<DocSnippet>()
        lines.forEachIndexed { index, text ->
            val marker = DOC_MARKER.matchEntire(text.trim()) ?: return@forEachIndexed
            val name = marker.groupValues[1]
            var open = index + 1
            while (open < lines.size && lines[open].isBlank()) open++
            val fence = lines.getOrNull(open)?.let { FENCE.matchEntire(it) }
            if (fence == null) {
                problems += "${relative(file)}:${index + 1}: <!-- snippet:$name --> must be followed by a ``` code block"
                return@forEachIndexed
            }
            val indent = fence.groupValues[1]
            val ticks = fence.groupValues[2]
            var close = open + 1
            while (close < lines.size && lines[close].trim() != ticks) close++
            if (close == lines.size) {
                problems += "${relative(file)}:${open + 1}: the code block of snippet '$name' is not closed"
                return@forEachIndexed
            }
            val body = lines.subList(open + 1, close).map { it.removePrefix(indent) }
            found += DocSnippet(name, file, index + 1, open, close, normalize(body))
        }
        return found
    }

    companion object {
        private val START = Regex("""^\s*(//|#)\s*snippet:([A-Za-z0-9_.-]+)\s*$""")
        private val END = Regex("""^\s*(//|#)\s*end-snippet\s*$""")
        private val DOC_MARKER = Regex("""^<!--\s*snippet:([A-Za-z0-9_.-]+)\s*-->$""")
        private val FENCE = Regex("""^(\s*)(```+)\s*[\w+-]*\s*$""")
        private val FENCE_WITH_LANGUAGE = Regex("""^(\s*)(```+)\s*([\w+-]*)\s*$""")
        private val NOT_COMPILED = Regex("""^<!--\s*not-compiled:\s*\S.*-->$""")
        private val CODE_LANGUAGES = setOf("kotlin", "kt", "kts", "java")
        private val SOURCE_EXTENSIONS = setOf("kt", "java", "yaml", "yml", "lua")
        private val SKIPPED_DIRECTORIES = setOf("target", ".git", ".mvn", "node_modules", ".idea")

        /** Trims trailing spaces, removes the common indentation and the blank lines around the code. */
        fun normalize(lines: List<String>): List<String> {
            val trimmed = lines.map { it.trimEnd() }.dropWhile { it.isEmpty() }.dropLastWhile { it.isEmpty() }
            val indent = trimmed.filter { it.isNotEmpty() }.minOfOrNull { line -> line.takeWhile { it == ' ' }.length } ?: 0
            return trimmed.map { if (it.isEmpty()) it else it.substring(indent) }
        }
    }
}
