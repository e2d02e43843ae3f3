package dev.limiter.config.internal

import com.charleskorn.kaml.DuplicateKeyException
import com.charleskorn.kaml.Yaml
import com.charleskorn.kaml.YamlException
import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlTaggedNode
import dev.limiter.config.ConfigError

/**
 * Parses YAML into kaml's node tree and reads on past duplicate keys, so that a duplicate does
 * not hide the other problems of the document.
 *
 * kaml stops at the first duplicate key. Each time it does, the duplicate is reported, its key
 * is renamed in the text by inserting a marker, and the text is parsed again. Entries under a
 * renamed key are left out of the tree (the user has to remove one of the two anyway). Columns
 * of later errors on the same line are shifted back to the original text.
 */
internal class YamlTree private constructor(
    /** The tree, without entries under renamed duplicate keys. */
    val root: YamlNode,
    private val shifts: List<Shift>,
) {
    private class Shift(val line: Int, val column: Int, val length: Int)

    /** Returns [error] with its column in the original text. */
    fun original(error: ConfigError): ConfigError = unshift(shifts, error)

    companion object {
        private const val MARK = "\u00a7duplicate"
        private const val MAX_DUPLICATES = 100

        /**
         * Parses [yaml]; returns the tree, or `null` when the text cannot be read. Reports each
         * duplicate key, and the problem that stopped the reading (described by [describe]),
         * to [errors] at their locations in [yaml].
         */
        fun parse(yaml: String, errors: ErrorCollector, describe: (YamlException) -> ConfigError): YamlTree? {
            // The YAML reader refuses characters outside YAML's printable set (U+FFFF, most C0
            // controls, lone surrogates) with an exception kaml passes through unwrapped: it
            // escaped validate() and made the admin PUT a 500 (found by LimitsConfigFuzzTest).
            unprintable(yaml)?.let { errors.add(it); return null }
            var text = yaml
            val shifts = ArrayList<Shift>()
            while (true) {
                try {
                    return YamlTree(withoutRenamed(Yaml.default.parseToYamlNode(text)), shifts)
                } catch (e: DuplicateKeyException) {
                    val first = e.originalLocation
                    val at = e.duplicateLocation
                    errors.add(unshift(shifts, ConfigError(describe(e).path, at.line, at.column,
                        "duplicate key '${e.key.removeSurrounding("'")}', first defined at line ${first.line}, " +
                            "column ${unshift(shifts, first.line, first.column)}; keep only one of them")))
                    val marker = "$MARK${shifts.size}\u00a7"
                    if (shifts.size >= MAX_DUPLICATES) return null
                    text = rename(text, at.line, at.column, marker) ?: return null
                    shifts += Shift(at.line, at.column, marker.length)
                } catch (e: YamlException) {
                    errors.add(unshift(shifts, describe(e)))
                    return null
                }
            }
        }

        /** Returns an error naming the first character YAML 1.2 does not allow in a stream, with its line and column; `null` when there is none. */
        private fun unprintable(text: String): ConfigError? {
            var line = 1
            var column = 1
            var index = 0
            while (index < text.length) {
                val cp = text.codePointAt(index)
                val printable = cp == 0x9 || cp == 0xA || cp == 0xD || cp in 0x20..0x7E || cp == 0x85 ||
                    cp in 0xA0..0xD7FF || cp in 0xE000..0xFFFD || cp in 0x10000..0x10FFFF
                if (!printable) {
                    return ConfigError("", line, column, "the character ${"U+%04X".format(cp)} cannot appear in YAML; remove it, or write it as an escape inside a double-quoted string")
                }
                if (cp == 0xA) { line++; column = 1 } else column++
                index += Character.charCount(cp)
            }
            return null
        }

        private fun unshift(shifts: List<Shift>, error: ConfigError): ConfigError {
            val column = unshift(shifts, error.line, error.column)
            return if (column == error.column) error else ConfigError(error.path, error.line, column, error.message)
        }

        /** Columns on [line] after a marker move back by the marker's length; the latest marker first. */
        private fun unshift(shifts: List<Shift>, line: Int, column: Int): Int =
            shifts.asReversed().fold(column) { col, shift -> if (shift.line == line && col > shift.column) col - shift.length else col }

        /** Inserts [marker] at the start of the key at [line] and [column] (inside its quotes). */
        private fun rename(text: String, line: Int, column: Int, marker: String): String? {
            var offset = 0
            repeat(line - 1) { offset = text.indexOf('\n', offset).takeIf { it >= 0 }?.plus(1) ?: return null }
            var at = offset + column - 1
            if (at >= text.length) return null
            if (text[at] == '"' || text[at] == '\'') at++
            return text.substring(0, at) + marker + text.substring(at)
        }

        private fun withoutRenamed(node: YamlNode): YamlNode = when (node) {
            is YamlMap -> YamlMap(
                node.entries.filterKeys { !it.content.startsWith(MARK) }.mapValues { (_, value) -> withoutRenamed(value) },
                node.path,
            )
            is YamlList -> YamlList(node.items.map { withoutRenamed(it) }, node.path)
            is YamlTaggedNode -> YamlTaggedNode(node.tag, withoutRenamed(node.innerNode))
            else -> node
        }
    }
}
