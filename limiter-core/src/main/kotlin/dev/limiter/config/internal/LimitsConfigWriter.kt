package dev.limiter.config.internal

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.config.LimitsConfig

/** Writes a [LimitsConfig] as YAML in the format the reader accepts. */
internal object LimitsConfigWriter {
    fun write(config: LimitsConfig): String = buildString {
        appendLine("policies:")
        for ((name, policy) in config.policies) appendLine("  ${quote(name)}: ${policy(policy)}")
        appendLine("default-policy: ${quote(config.defaultPolicy)}")
        if (config.keys.isNotEmpty()) {
            appendLine("keys:")
            for ((key, name) in config.keys) appendLine("  ${quote(key)}: ${quote(name)}")
        }
        if (config.endpoints.isNotEmpty()) {
            appendLine("endpoints:")
            for ((endpoint, limit) in config.endpoints) {
                val policy = limit.policy?.let { ", policy: ${quote(it)}" } ?: ""
                appendLine("  ${quote(endpoint)}: { cost: ${limit.cost}$policy }")
            }
        }
        if (config.allowlist.isNotEmpty()) appendLine("allowlist: [ ${config.allowlist.joinToString(", ") { quote(it) }} ]")
        if (config.denylist.isNotEmpty()) appendLine("denylist: [ ${config.denylist.joinToString(", ") { quote(it) }} ]")
        config.global?.let { appendLine("global: ${policy(it)}") }
        if (config.levels.isNotEmpty()) {
            appendLine("levels:")
            for (level in config.levels) {
                val endpoint = level.endpoint?.let { ", endpoint: ${quote(it)}" } ?: ""
                appendLine("  - { per: ${quote(level.per.id)}, policy: ${quote(level.policy)}$endpoint }")
            }
        }
        config.adaptive?.let { appendLine("adaptive: ${AdaptiveReader.write(it)}") }
    }

    private fun policy(policy: LimitPolicy): String {
        val fields = when (policy.algorithm) {
            Algorithm.TOKEN_BUCKET -> "capacity: ${policy.capacity}, refill: ${policy.rate}"
            Algorithm.LEAKY_BUCKET -> "capacity: ${policy.capacity}, drain: ${policy.rate}"
            Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_LOG, Algorithm.SLIDING_WINDOW_COUNTER ->
                "limit: ${policy.capacity}, window: ${DurationText.format(policy.window)}"
            Algorithm.GCRA -> "rate: ${policy.rate}, burst: ${policy.capacity}"
        }
        val mode = if (policy.isShadow) ", mode: shadow" else ""
        return "{ algorithm: ${policy.algorithm.id}, $fields$mode }"
    }

    /** Double-quotes every string, escaping as JSON does, so that any key survives (YAML reads JSON strings). */
    private fun quote(text: String): String = buildString {
        append('"')
        for (c in text) {
            when {
                c == '"' -> append("\\\"")
                c == '\\' -> append("\\\\")
                c < ' ' -> append("\\u%04x".format(c.code))
                else -> append(c)
            }
        }
        append('"')
    }
}
