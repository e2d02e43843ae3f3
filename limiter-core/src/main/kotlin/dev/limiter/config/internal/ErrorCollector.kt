package dev.limiter.config.internal

import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlNull
import com.charleskorn.kaml.YamlScalar
import com.charleskorn.kaml.YamlTaggedNode
import dev.limiter.config.ConfigError

/** Gathers every [ConfigError] of one document, each at the location of its node. */
internal class ErrorCollector {
    private val errors = ArrayList<ConfigError>()

    val isEmpty: Boolean get() = errors.isEmpty()

    fun at(path: String, line: Int, column: Int, message: String) {
        errors += ConfigError(path, line, column, message)
    }

    fun add(error: ConfigError) {
        errors += error
    }

    fun at(path: String, node: YamlNode, message: String) = at(path, node.location.line, node.location.column, message)

    /** Every error, in document order. */
    fun sorted(): List<ConfigError> = errors.sortedWith(compareBy({ it.line }, { it.column }, { it.path }))
}

/** Paths as users read them: `policies.free.capacity`, `endpoints["POST /reports"].cost`, `allowlist[2]`. */
internal object Paths {
    private val PLAIN = Regex("^[A-Za-z0-9_-]+$")

    fun child(parent: String, key: String): String {
        val segment = if (PLAIN.matches(key)) key else "[\"" + key.replace("\"", "\\\"") + "\"]"
        return when {
            parent.isEmpty() -> if (segment.startsWith("[")) segment else key
            segment.startsWith("[") -> parent + segment
            else -> "$parent.$segment"
        }
    }

    fun index(parent: String, index: Int): String = "$parent[$index]"
}

/** Describes a node's kind in messages: `a map`, `a list`, `empty`, `'forty'`. */
internal fun YamlNode.kind(): String = when (this) {
    is YamlMap -> "a map"
    is YamlList -> "a list"
    is YamlNull -> "empty"
    is YamlScalar -> "'$content'"
    is YamlTaggedNode -> innerNode.kind()
}

/** The node without a YAML tag such as `!!str`. */
internal fun YamlNode.untagged(): YamlNode = if (this is YamlTaggedNode) innerNode.untagged() else this

/** Suggests the candidate closest to a misspelled word, when one is close enough to be meant. */
internal object Suggestions {
    fun didYouMean(word: String, candidates: Collection<String>): String {
        val best = candidates.minByOrNull { distance(word.lowercase(), it.lowercase()) } ?: return ""
        return if (distance(word.lowercase(), best.lowercase()) <= maxOf(2, (best.length + 2) / 3)) " (did you mean '$best'?)" else ""
    }

    private fun distance(a: String, b: String): Int {
        var previous = IntArray(b.length + 1) { it }
        for (i in 1..a.length) {
            val current = IntArray(b.length + 1)
            current[0] = i
            for (j in 1..b.length) {
                val substitution = previous[j - 1] + if (a[i - 1] == b[j - 1]) 0 else 1
                current[j] = minOf(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.length]
    }
}
