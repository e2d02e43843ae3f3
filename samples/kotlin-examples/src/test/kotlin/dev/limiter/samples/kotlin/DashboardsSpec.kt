package dev.limiter.samples.kotlin

import com.charleskorn.kaml.Yaml
import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlScalar
import dev.limiter.LimitPolicy
import dev.limiter.LimiterMetrics
import dev.limiter.Rate
import dev.limiter.RateLimiter
import dev.limiter.testing.VirtualClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import java.util.concurrent.atomic.AtomicBoolean
import java.util.function.BooleanSupplier
import kotlin.io.path.readText
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * The Grafana dashboard and the Prometheus alert rules in `docs/dashboards/` query only
 * series that `LimiterMetrics` really exports through Micrometer's Prometheus registry, with
 * label names and values it really uses.
 */
class DashboardsSpec : FunSpec({
    val root = repositoryRoot()
    val exported by lazy {
        var scrape = ""
        runTest { scrape = scrapeAfterEveryOutcome(testScheduler) }
        Exported.parse(scrape)
    }

    test("the registry exports the metric names the dashboards are written against") {
        exported.series.keys shouldContainAll listOf(
            "limiter_requests_total", "limiter_acquire_latency_seconds_count", "limiter_acquire_latency_seconds_sum",
            "limiter_acquire_latency_seconds_max", "limiter_queue_depth", "limiter_backend_state", "limiter_tokens",
        )
        exported.series.getValue("limiter_requests_total").getValue("outcome") shouldBe
            setOf("allowed", "rejected", "queued", "timeout")
        exported.series.getValue("limiter_requests_total").getValue("backend") shouldBe setOf("primary", "fallback")
    }

    test("every query of the Grafana dashboard uses exported series, labels and label values") {
        val dashboard = Json.parseToJsonElement(root.resolve("docs/dashboards/limiter-dashboard.json").readText()).jsonObject
        val queries = stringsNamed(dashboard, setOf("expr", "query")).filter { "limiter_" in it }
        dashboard.getValue("panels").jsonArray.size shouldBeGreaterThan 5
        queries.size shouldBeGreaterThan 10
        queries.flatMap { exported.problemsIn(it) }.shouldBeEmpty()
    }

    test("every Prometheus alert rule is complete and uses exported series, labels and label values") {
        val rules = root.resolve("docs/dashboards/alerts.yml").readText().let { Yaml.default.parseToYamlNode(it) }
            .listAt("groups").flatMap { it.listAt("rules") }
        rules.size shouldBeGreaterThan 3
        val problems = rules.flatMap { rule ->
            val name = rule.text("alert")
            val missing = listOf("expr", "for").filter { (rule as YamlMap).get<YamlNode>(it) == null } +
                listOfNotNull("labels.severity".takeIf { rule.map("labels").get<YamlScalar>("severity") == null }) +
                listOfNotNull("annotations.summary".takeIf { rule.map("annotations").get<YamlScalar>("summary") == null })
            missing.map { "$name: no $it" } + exported.problemsIn(rule.text("expr")).map { "$name: $it" }
        }
        problems.shouldBeEmpty()
    }
})

/** Runs one limiter through every outcome and both backends on virtual time and returns the Prometheus scrape. */
private suspend fun scrapeAfterEveryOutcome(scheduler: kotlinx.coroutines.test.TestCoroutineScheduler): String {
    val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
    val primary = AtomicBoolean(true)
    val metrics = LimiterMetrics(registry, BooleanSupplier { primary.get() })
    val policy = LimitPolicy.tokenBucket(1, Rate.perSecond(1)).named("free")
    val limiter = RateLimiter.builder(policy).clock(VirtualClock(scheduler)).listener(metrics).buildSuspending()
    kotlinx.coroutines.coroutineScope {
        limiter.tryAcquire("a")                                            // allowed
        limiter.tryAcquire("a")                                            // rejected
        launch { limiter.queueRequest("a", maxWait = 2.seconds) }          // queued
        launch { limiter.queueRequest("a", maxWait = 100.milliseconds) }   // timeout
    }
    primary.set(false)
    limiter.tryAcquire("b")                                                // allowed, on the fallback
    metrics.watchTokens(limiter, "a")
    limiter.close()
    return registry.scrape()
}

/** Series names in a Prometheus scrape, with each label's values. */
private class Exported(val series: Map<String, Map<String, Set<String>>>) {
    private val labels: Set<String> = series.values.flatMap { it.keys }.toSet() + setOf("instance", "job")

    /** Returns what in [query] names a series, label or label value the scrape does not have. */
    fun problemsIn(query: String): List<String> {
        val problems = mutableListOf<String>()
        val names = Regex("""\blimiter_[a-z_]+\b""").findAll(query).map { it.value }.toList()
        names.filter { it !in series }.forEach { problems += "'$query' uses $it, which is not exported" }
        Regex("""\b(by|without)\s*\(([^)]*)\)""").findAll(query).flatMap { it.groupValues[2].split(',') }
            .map { it.trim() }.filter { it.isNotEmpty() && it !in labels }
            .forEach { problems += "'$query' groups by unknown label $it" }
        Regex("""([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"""").findAll(query).forEach { match ->
            val (label, op, value) = match.destructured
            if (label !in labels) problems += "'$query' matches unknown label $label"
            val known = names.flatMap { series[it]?.get(label).orEmpty() }.toSet()
            if (op in setOf("=", "=~") && !value.startsWith("$") && known.isNotEmpty()) {
                value.split('|').filter { it !in known }.forEach { problems += "'$query' matches $label=\"$it\", never exported (has $known)" }
            }
        }
        return problems
    }

    companion object {
        fun parse(scrape: String): Exported {
            val series = HashMap<String, HashMap<String, MutableSet<String>>>()
            for (line in scrape.lines().filter { it.startsWith("limiter_") }) {
                val name = line.substringBefore('{').substringBefore(' ')
                val labels = series.getOrPut(name) { HashMap() }
                Regex("""([a-zA-Z_]+)="([^"]*)"""").findAll(line.substringAfter('{', "").substringBefore('}'))
                    .forEach { labels.getOrPut(it.groupValues[1]) { mutableSetOf() } += it.groupValues[2] }
            }
            return Exported(series)
        }
    }
}

private fun stringsNamed(element: JsonElement, keys: Set<String>): List<String> = when (element) {
    is JsonObject -> element.flatMap { (key, value) ->
        if (key in keys && value is JsonPrimitive && value.isString) listOf(value.content) else stringsNamed(value, keys)
    }
    is JsonArray -> element.flatMap { stringsNamed(it, keys) }
    else -> emptyList()
}

private fun YamlNode.map(key: String): YamlMap =
    checkNotNull((this as YamlMap).get<YamlMap>(key)) { "no map '$key' at ${path.toHumanReadableString()}" }

private fun YamlNode.listAt(key: String): List<YamlNode> =
    checkNotNull((this as YamlMap).get<YamlList>(key)) { "no list '$key' at ${path.toHumanReadableString()}" }.items

private fun YamlNode.text(key: String): String =
    checkNotNull((this as YamlMap).get<YamlScalar>(key)) { "no '$key' at ${path.toHumanReadableString()}" }.content
