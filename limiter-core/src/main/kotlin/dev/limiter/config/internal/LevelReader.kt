package dev.limiter.config.internal

import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlScalar
import dev.limiter.LimitPolicy
import dev.limiter.config.EndpointLimit
import dev.limiter.config.LimitLevel

/**
 * Reads the `levels` section: a list of `{ per: ip | endpoint | key+endpoint | key+ip,
 * policy: <name>, endpoint: "METHOD /path" }`, reporting every problem at its node.
 */
internal class LevelReader(
    private val errors: ErrorCollector,
    private val resolve: (path: String, node: YamlNode, policies: Map<String, LimitPolicy>?) -> String?,
) {
    /** Returns every valid level of [node]; problems go to the collector. */
    fun read(node: YamlNode, policies: Map<String, LimitPolicy>?, endpoints: Map<String, EndpointLimit>): List<LimitLevel> {
        val list = node.untagged()
        if (list !is YamlList) {
            errors.at("levels", node, "must be a list such as [ { per: ip, policy: per-ip } ], was ${node.kind()}")
            return emptyList()
        }
        return list.items.mapIndexedNotNull { index, item -> readLevel(Paths.index("levels", index), item, policies, endpoints) }
    }

    private fun readLevel(path: String, node: YamlNode, policies: Map<String, LimitPolicy>?, endpoints: Map<String, EndpointLimit>): LimitLevel? {
        val map = node.untagged()
        if (map !is YamlMap) {
            errors.at(path, node, "a level must be a map such as { per: ip, policy: per-ip }, was ${node.kind()}")
            return null
        }
        var per: LimitLevel.Per? = null
        var policy: String? = null
        var endpoint: String? = null
        var valid = true
        for ((key, value) in map.entries) {
            val fieldPath = Paths.child(path, key.content)
            when (key.content) {
                "per" -> per = readPer(fieldPath, value) ?: run { valid = false; null }
                "policy" -> policy = resolve(fieldPath, value, policies) ?: run { valid = false; null }
                "endpoint" -> endpoint = readEndpoint(fieldPath, value) ?: run { valid = false; null }
                else -> {
                    valid = false
                    errors.at(fieldPath, key, "unknown field '${key.content}'${Suggestions.didYouMean(key.content, FIELDS)}; " +
                        "a level has ${FIELDS.joinToString(", ")}, such as { per: ip, policy: per-ip }")
                }
            }
        }
        if (map.getKey("per") == null) {
            valid = false
            errors.at(Paths.child(path, "per"), map, "missing field 'per'; add one of ${PER_IDS.joinToString(", ")}, such as 'per: ip'")
        }
        if (map.getKey("policy") == null) {
            valid = false
            errors.at(Paths.child(path, "policy"), map, "missing field 'policy'; name the policy of 'policies' that limits this level")
        }
        if (!valid || per == null || policy == null) return null
        val level = LimitLevel(per, policy, endpoint)
        val limit = policies?.get(policy)
        if (limit != null) {
            LevelRules.cost(level, limit, endpoints)?.let { errors.at(Paths.child(path, "policy"), map.entries[map.getKey("policy")]!!, it) }
        }
        return level
    }

    private fun readPer(path: String, node: YamlNode): LimitLevel.Per? {
        val text = (node.untagged() as? YamlScalar)?.content?.trim()
        val per = text?.let { LimitLevel.Per.fromId(it.lowercase()) }
        if (per == null) {
            val was = text?.let { "'$it'" + Suggestions.didYouMean(it, PER_IDS) } ?: node.kind()
            errors.at(path, node, "unknown level $was; use one of ${PER_IDS.joinToString(", ")}")
        }
        return per
    }

    private fun readEndpoint(path: String, node: YamlNode): String? {
        val scalar = node.untagged() as? YamlScalar
        if (scalar == null) {
            errors.at(path, node, "must be an endpoint such as \"GET /search\", was ${node.kind()}")
            return null
        }
        Endpoints.problem(scalar.content)?.let { errors.at(path, node, it); return null }
        return Endpoints.normalize(scalar.content)
    }

    private companion object {
        val FIELDS = listOf("per", "policy", "endpoint")
        val PER_IDS = LimitLevel.Per.entries.map { it.id }
    }
}

/** Meaning checks of a level shared by the YAML reader and configs built in code. */
internal object LevelRules {
    /** Every call a level applies to must fit its policy's capacity: endpoint costs included. */
    fun cost(level: LimitLevel, policy: LimitPolicy, endpoints: Map<String, EndpointLimit>): String? {
        val costs = endpoints.filterKeys { level.endpoint == null || Endpoints.matches(level.endpoint, Endpoints.normalize(it)) ||
            Endpoints.matches(Endpoints.normalize(it), level.endpoint) }
        val (endpoint, limit) = costs.entries.maxByOrNull { it.value.cost }?.toPair() ?: return null
        return ConfigRules.cost(limit.cost, level.policy, policy, "level per ${level.per.id}, for endpoint '$endpoint'")
    }
}
