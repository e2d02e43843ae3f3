package dev.limiter.config.internal

import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlScalar
import dev.limiter.LimitPolicy
import dev.limiter.config.EndpointLimit

/** Reads one endpoint entry, such as `{ cost: 10, policy: reports }`; cost defaults to 1. */
internal class EndpointReader(
    private val errors: ErrorCollector,
    private val resolve: (path: String, node: YamlNode, policies: Map<String, LimitPolicy>?) -> String?,
) {
    /** Returns the endpoint's limit, or `null` after reporting every problem in [node]. */
    fun read(path: String, node: YamlNode, policies: Map<String, LimitPolicy>?): EndpointLimit? {
        val map = node.untagged()
        if (map !is YamlMap) {
            errors.at(path, node, "an endpoint must be a map such as { cost: 10, policy: reports }, was ${node.kind()}")
            return null
        }
        var cost: Long? = 1
        var policy: String? = null
        var valid = true
        for ((key, value) in map.entries) {
            val fieldPath = Paths.child(path, key.content)
            when (key.content) {
                "cost" -> cost = readCost(fieldPath, value)
                "policy" -> {
                    policy = resolve(fieldPath, value, policies)
                    if (policy == null) valid = false
                }
                else -> {
                    valid = false
                    errors.at(fieldPath, key, "unknown field '${key.content}'${Suggestions.didYouMean(key.content, FIELDS)}; " +
                        "an endpoint has ${FIELDS.joinToString(" and ")}, such as { cost: 10, policy: reports }")
                }
            }
        }
        return if (valid && cost != null) EndpointLimit(cost, policy) else null
    }

    private fun readCost(path: String, node: YamlNode): Long? {
        val scalar = node.untagged()
        if (scalar !is YamlScalar) {
            errors.at(path, node, "must be a whole number greater than 0, such as 10, was ${node.kind()}")
            return null
        }
        return try {
            PolicyReader.readCount(scalar.content.trim())
        } catch (e: IllegalArgumentException) {
            errors.at(path, node, e.message ?: "must be a whole number greater than 0")
            null
        }
    }

    private companion object {
        val FIELDS = listOf("cost", "policy")
    }
}
