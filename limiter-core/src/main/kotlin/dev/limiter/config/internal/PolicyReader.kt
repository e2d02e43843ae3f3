package dev.limiter.config.internal

import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlNull
import com.charleskorn.kaml.YamlScalar
import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.Rate
import java.time.Duration

/** Reads one policy entry, such as `{ algorithm: token-bucket, capacity: 40, refill: 10/s }`. */
internal class PolicyReader(private val errors: ErrorCollector) {
    private enum class Kind { COUNT, RATE, DURATION }

    /** Returns the policy at [path], or `null` after reporting every problem in [node]. */
    fun read(path: String, node: YamlNode): LimitPolicy? {
        val map = node.untagged()
        if (map !is YamlMap) {
            errors.at(path, node, "a policy must be a map such as { algorithm: token-bucket, capacity: 40, refill: 10/s }, was ${node.kind()}")
            return null
        }
        val algorithm = readAlgorithm(path, map) ?: run { checkFields(path, map, null); return null }
        val shadow = readMode(path, map) ?: return null.also { checkFields(path, map, algorithm) }
        val values = checkFields(path, map, algorithm) ?: return null
        return try {
            build(algorithm, values).let { if (shadow) it.shadow() else it }
        } catch (e: IllegalArgumentException) {
            errors.at(path, map, e.message ?: "invalid policy")
            null
        }
    }

    /** Reads the optional `mode`: `true` for `shadow`, `false` for `enforce` or none, `null` after an error. */
    private fun readMode(path: String, map: YamlMap): Boolean? {
        val key = map.getKey("mode") ?: return false
        val node = map.entries[key]!!.untagged()
        return when ((node as? YamlScalar)?.content?.trim()?.lowercase()) {
            "shadow" -> true
            "enforce" -> false
            else -> {
                val was = (node as? YamlScalar)?.content?.let { "'$it'" + Suggestions.didYouMean(it, MODES) } ?: node.kind()
                errors.at(Paths.child(path, "mode"), node, "unknown mode $was; use 'enforce' (the default) or 'shadow' " +
                    "(decided and counted, never refuses)")
                null
            }
        }
    }

    private fun readAlgorithm(path: String, map: YamlMap): Algorithm? {
        val ids = Algorithm.entries.map { it.id }
        val key = map.getKey("algorithm")
        val node = map.entries[key ?: return missing(path, map, "algorithm", "such as 'algorithm: token-bucket'")]!!.untagged()
        val text = (node as? YamlScalar)?.content
        val algorithm = text?.let { Algorithm.fromId(it.trim().lowercase()) }
        if (algorithm == null) {
            val was = text?.let { "'$it'" + Suggestions.didYouMean(it, ids) } ?: node.kind()
            errors.at(Paths.child(path, "algorithm"), node, "unknown algorithm $was; use one of ${ids.joinToString(", ")}")
        }
        return algorithm
    }

    /** Checks every field; returns the values by name when all are present and valid. */
    private fun checkFields(path: String, map: YamlMap, algorithm: Algorithm?): Map<String, Any>? {
        val expected = algorithm?.let { FIELDS.getValue(it) }
        val values = HashMap<String, Any>()
        var valid = true
        for ((keyNode, valueNode) in map.entries) {
            val field = keyNode.content
            if (field == "algorithm" || field == "mode") continue
            val fieldPath = Paths.child(path, field)
            val kind = (expected ?: ALL_FIELDS)[field]
            if (kind == null) {
                valid = false
                if (expected != null) {
                    val names = listOf("algorithm") + expected.keys + "mode"
                    errors.at(fieldPath, keyNode, "unknown field '$field' for a ${algorithm.id} policy" +
                        Suggestions.didYouMean(field, names) + "; expected ${names.joinToString(", ")}")
                }
                continue
            }
            val value = readValue(fieldPath, valueNode, kind)
            if (value == null) valid = false else values[field] = value
        }
        if (expected == null) return null
        for (field in expected.keys - map.entries.keys.map { it.content }.toSet()) {
            valid = false
            errors.at(Paths.child(path, field), map, "missing field '$field' for a ${algorithm.id} policy; add it, " + EXAMPLES.getValue(algorithm))
        }
        return if (valid) values else null
    }

    private fun readValue(path: String, node: YamlNode, kind: Kind): Any? {
        val scalar = node.untagged()
        if (scalar !is YamlScalar) {
            val was = if (scalar is YamlNull) "empty" else scalar.kind()
            errors.at(path, node, "must be ${DESCRIPTIONS.getValue(kind)}, was $was")
            return null
        }
        val text = scalar.content.trim()
        return try {
            when (kind) {
                Kind.COUNT -> readCount(text)
                Kind.RATE -> Rate.parse(text)
                Kind.DURATION -> DurationText.parse(text)
            }
        } catch (e: IllegalArgumentException) {
            errors.at(path, node, e.message ?: "must be ${DESCRIPTIONS.getValue(kind)}")
            null
        }
    }

    private fun missing(path: String, map: YamlMap, field: String, example: String): Nothing? {
        errors.at(Paths.child(path, field), map, "missing field '$field'; add it, $example")
        return null
    }

    companion object {
        private val COUNTS = Regex("^[+-]?\\d+$")
        private val MODES = listOf("enforce", "shadow")

        /** Reads a whole number that must be greater than 0; throws naming the fix. */
        fun readCount(text: String): Long {
            if (!COUNTS.matches(text)) {
                val why = if (text.toDoubleOrNull() != null) "a whole number" else "a whole number such as 40"
                throw IllegalArgumentException("must be $why, was '$text'")
            }
            val value = text.toBigInteger()
            require(value.signum() > 0) { "must be greater than 0, was $text" }
            require(value <= LimitPolicy.MAX_CAPACITY.toBigInteger()) { "must be at most ${LimitPolicy.MAX_CAPACITY}, was $text" }
            return value.toLong()
        }

        fun build(algorithm: Algorithm, values: Map<String, Any>): LimitPolicy = when (algorithm) {
            Algorithm.TOKEN_BUCKET -> LimitPolicy.tokenBucket(values["capacity"] as Long, values["refill"] as Rate)
            Algorithm.LEAKY_BUCKET -> LimitPolicy.leakyBucket(values["capacity"] as Long, values["drain"] as Rate)
            Algorithm.FIXED_WINDOW -> LimitPolicy.fixedWindow(values["limit"] as Long, values["window"] as Duration)
            Algorithm.SLIDING_WINDOW_LOG -> LimitPolicy.slidingWindowLog(values["limit"] as Long, values["window"] as Duration)
            Algorithm.SLIDING_WINDOW_COUNTER -> LimitPolicy.slidingWindowCounter(values["limit"] as Long, values["window"] as Duration)
            Algorithm.GCRA -> LimitPolicy.gcra(values["rate"] as Rate, values["burst"] as Long)
        }

        private val WINDOW = linkedMapOf("limit" to Kind.COUNT, "window" to Kind.DURATION)
        private val FIELDS: Map<Algorithm, Map<String, Kind>> = mapOf(
            Algorithm.TOKEN_BUCKET to linkedMapOf("capacity" to Kind.COUNT, "refill" to Kind.RATE),
            Algorithm.LEAKY_BUCKET to linkedMapOf("capacity" to Kind.COUNT, "drain" to Kind.RATE),
            Algorithm.FIXED_WINDOW to WINDOW,
            Algorithm.SLIDING_WINDOW_LOG to WINDOW,
            Algorithm.SLIDING_WINDOW_COUNTER to WINDOW,
            Algorithm.GCRA to linkedMapOf("rate" to Kind.RATE, "burst" to Kind.COUNT),
        )
        private val ALL_FIELDS: Map<String, Kind> = FIELDS.values.fold(emptyMap()) { all, fields -> all + fields }
        private val EXAMPLES: Map<Algorithm, String> = mapOf(
            Algorithm.TOKEN_BUCKET to "such as { algorithm: token-bucket, capacity: 40, refill: 10/s }",
            Algorithm.LEAKY_BUCKET to "such as { algorithm: leaky-bucket, capacity: 20, drain: 5/s }",
            Algorithm.FIXED_WINDOW to "such as { algorithm: fixed-window, limit: 100, window: 1m }",
            Algorithm.SLIDING_WINDOW_LOG to "such as { algorithm: sliding-window-log, limit: 100, window: 1m }",
            Algorithm.SLIDING_WINDOW_COUNTER to "such as { algorithm: sliding-window-counter, limit: 100, window: 1m }",
            Algorithm.GCRA to "such as { algorithm: gcra, rate: 10/s, burst: 20 }",
        )
        private val DESCRIPTIONS = mapOf(
            Kind.COUNT to "a whole number greater than 0, such as 40",
            Kind.RATE to "a rate such as 10/s or 1000/1h",
            Kind.DURATION to "a duration such as 30s, 1m or 1h",
        )
    }
}
