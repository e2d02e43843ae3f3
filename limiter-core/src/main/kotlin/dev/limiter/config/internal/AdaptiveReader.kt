package dev.limiter.config.internal

import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlScalar
import dev.limiter.LimitPolicy
import dev.limiter.adaptive.AdaptiveConfig
import dev.limiter.adaptive.AdaptiveConfig.Signal
import dev.limiter.adaptive.AdaptiveSettings
import java.time.Duration

/**
 * Reads the `adaptive:` section, such as
 * `{ signal: cpu, high: 0.8, low: 0.6, min-factor: 0.25, interval: 1s, policies: [free] }`,
 * reporting every problem at its node; the settings' own rules come from [AdaptiveSettings].
 */
internal class AdaptiveReader(private val report: ErrorCollector) {
    private val errors = ErrorCollector()

    /** Returns the section at `adaptive`, or `null` after reporting every problem in [node]. */
    fun read(node: YamlNode, policies: Map<String, LimitPolicy>?): AdaptiveConfig? =
        readSection(node, policies).also { errors.sorted().forEach(report::add) }

    private fun readSection(node: YamlNode, policies: Map<String, LimitPolicy>?): AdaptiveConfig? {
        val map = node.untagged()
        if (map !is YamlMap) {
            errors.at(PATH, node, "must be a map such as $EXAMPLE, was ${node.kind()}")
            return null
        }
        val fields = map.entries.entries.associate { (key, value) -> key.content to (key to value) }
        for ((name, entry) in fields) if (name !in FIELDS) {
            errors.at(Paths.child(PATH, name), entry.first, "unknown field '$name'${Suggestions.didYouMean(name, FIELDS)}; expected ${FIELDS.joinToString(", ")}")
        }
        fun value(name: String): YamlNode? = fields[name]?.second
        val signals = value("signal")?.let { readSignals(it) }
        if (value("signal") == null) errors.at(Paths.child(PATH, "signal"), node, "missing field 'signal'; add the load to follow, such as 'signal: cpu'")
        val names = value("policies")?.let { readPolicies(it, policies) }
        if (value("policies") == null) errors.at(Paths.child(PATH, "policies"), node, "missing field 'policies'; add the policies to scale, such as 'policies: [free]'")
        val defaults = AdaptiveSettings()
        val high = value("high")?.let { number("high", it) } ?: defaults.high
        val low = value("low")?.let { number("low", it) } ?: defaults.low
        val minFactor = value("min-factor")?.let { number("min-factor", it) } ?: defaults.minFactor
        val decrease = value("decrease")?.let { number("decrease", it) } ?: defaults.decrease
        val increase = value("increase")?.let { number("increase", it) } ?: defaults.increase
        val interval = value("interval")?.let { duration("interval", it) } ?: defaults.interval
        val target = value("latency-target")?.let { duration("latency-target", it) }
        val threshold = value("error-threshold")?.let { number("error-threshold", it) } ?: DEFAULT_THRESHOLD
        for ((field, message) in AdaptiveSettings.problems(high, low, minFactor, decrease, increase, interval)) {
            val name = YAML_NAMES.getValue(field)
            errors.at(Paths.child(PATH, name), value(name) ?: node, "$name $message")
        }
        if (signals != null) checkSignalFields(signals, fields, node, target)
        if (value("error-threshold") != null && !(threshold > 0.0 && threshold <= 1.0)) {
            errors.at(Paths.child(PATH, "error-threshold"), value("error-threshold")!!, "must be a failure rate in (0, 1], such as 0.1, was $threshold")
        }
        if (!errors.isEmpty || signals == null || names == null) return null
        return AdaptiveConfig(signals, names, AdaptiveSettings(high, low, minFactor, decrease, increase, interval), target, threshold)
    }

    private fun checkSignalFields(signals: List<Signal>, fields: Map<String, Pair<YamlScalar, YamlNode>>, node: YamlNode, target: Duration?) {
        if (Signal.LATENCY in signals && target == null && fields["latency-target"] == null) {
            errors.at(Paths.child(PATH, "latency-target"), node, "missing field 'latency-target'; the latency signal needs the response time that counts as saturated, such as 'latency-target: 250ms'")
        }
        if (Signal.LATENCY !in signals) fields["latency-target"]?.let {
            errors.at(Paths.child(PATH, "latency-target"), it.first, "latency-target applies only to the latency signal; add latency to signal or remove this field")
        }
        if (Signal.ERROR_RATE !in signals) fields["error-threshold"]?.let {
            errors.at(Paths.child(PATH, "error-threshold"), it.first, "error-threshold applies only to the error-rate signal; add error-rate to signal or remove this field")
        }
    }

    private fun readSignals(node: YamlNode): List<Signal>? {
        val path = Paths.child(PATH, "signal")
        val inner = node.untagged()
        val items = when (inner) {
            is YamlScalar -> listOf(IndexedValue(-1, inner))
            is YamlList -> inner.items.mapIndexed { i, item -> IndexedValue(i, item) }
            else -> { errors.at(path, node, "must be a signal or a list of signals, such as cpu or [cpu, latency], was ${node.kind()}"); return null }
        }
        if (items.isEmpty()) { errors.at(path, node, "must name at least one signal, such as [cpu]"); return null }
        val ids = Signal.entries.map { it.id }
        var valid = true
        val signals = items.mapNotNull { (index, item) ->
            val itemPath = if (index < 0) path else Paths.index(path, index)
            val text = (item.untagged() as? YamlScalar)?.content?.trim()
            Signal.fromId(text ?: "") ?: run {
                valid = false
                val was = text?.let { "'$it'" + Suggestions.didYouMean(it, ids) } ?: item.kind()
                errors.at(itemPath, item, "unknown signal $was; use one of ${ids.joinToString(", ")}")
                null
            }
        }
        return signals.takeIf { valid }
    }

    private fun readPolicies(node: YamlNode, policies: Map<String, LimitPolicy>?): Set<String>? {
        val path = Paths.child(PATH, "policies")
        val list = node.untagged() as? YamlList ?: run {
            errors.at(path, node, "must be a list of policy names, such as [free], was ${node.kind()}")
            return null
        }
        if (list.items.isEmpty()) { errors.at(path, node, "must name at least one policy to scale, such as [free]"); return null }
        val names = LinkedHashSet<String>()
        var valid = true
        list.items.forEachIndexed { index, item ->
            val itemPath = Paths.index(path, index)
            val name = (item.untagged() as? YamlScalar)?.content?.trim()
            val problem = when {
                name == null -> "must be the name of a policy, was ${item.kind()}"
                !names.add(name) -> "policy '$name' is listed twice; remove one"
                policies != null -> ConfigRules.policyReference(name, policies.keys)
                else -> null
            }
            if (problem != null) { valid = false; errors.at(itemPath, item, problem) }
        }
        return names.takeIf { valid }
    }

    private fun number(name: String, node: YamlNode): Double? {
        val text = (node.untagged() as? YamlScalar)?.content?.trim()
        val value = text?.toDoubleOrNull()?.takeIf { it.isFinite() }
        if (value == null) errors.at(Paths.child(PATH, name), node, "must be a number such as ${NUMBER_EXAMPLES.getValue(name)}, was ${node.kind()}")
        return value
    }

    private fun duration(name: String, node: YamlNode): Duration? {
        val text = (node.untagged() as? YamlScalar)?.content?.trim()
        return try {
            DurationText.parse(text ?: throw IllegalArgumentException("must be a duration such as 1s, was ${node.kind()}"))
        } catch (e: IllegalArgumentException) {
            errors.at(Paths.child(PATH, name), node, e.message ?: "must be a duration such as 1s")
            null
        }
    }

    companion object {
        private const val PATH = "adaptive"
        private const val EXAMPLE = "{ signal: cpu, high: 0.8, low: 0.6, min-factor: 0.25, interval: 1s, policies: [free] }"
        private const val DEFAULT_THRESHOLD = 0.1
        private val FIELDS = listOf(
            "signal", "high", "low", "min-factor", "decrease", "increase", "interval", "policies", "latency-target", "error-threshold",
        )
        private val YAML_NAMES = mapOf(
            "high" to "high", "low" to "low", "minFactor" to "min-factor", "decrease" to "decrease",
            "increase" to "increase", "interval" to "interval",
        )
        private val NUMBER_EXAMPLES = mapOf(
            "high" to "0.8", "low" to "0.6", "min-factor" to "0.25", "decrease" to "0.75", "increase" to "0.05", "error-threshold" to "0.1",
        )

        /** The meaning checks for a section built in code: every scaled policy exists. */
        fun checkModel(adaptive: AdaptiveConfig, policies: Collection<String>): List<String> =
            adaptive.policies.mapNotNull { name -> ConfigRules.policyReference(name, policies)?.let { "adaptive.policies: $it" } }

        /** Writes [adaptive] as the one-line YAML map [read] accepts. */
        fun write(adaptive: AdaptiveConfig): String {
            val s = adaptive.settings
            val signal = adaptive.signals.singleOrNull()?.id ?: adaptive.signals.joinToString(", ", "[ ", " ]") { it.id }
            val extras = buildString {
                adaptive.latencyTarget?.let { append(", latency-target: ${DurationText.format(it)}") }
                if (Signal.ERROR_RATE in adaptive.signals) append(", error-threshold: ${adaptive.errorThreshold}")
            }
            return "{ signal: $signal, high: ${s.high}, low: ${s.low}, min-factor: ${s.minFactor}, decrease: ${s.decrease}, " +
                "increase: ${s.increase}, interval: ${DurationText.format(s.interval)}$extras, " +
                "policies: [ ${adaptive.policies.joinToString(", ") { "\"" + it + "\"" }} ] }"
        }
    }
}
