package dev.limiter.samples.kotlin

import com.charleskorn.kaml.Yaml
import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlScalar
import dev.limiter.BackendState
import dev.limiter.BucketSnapshot
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.FaultToleranceMetrics
import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.FaultTolerantBucketStore
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
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.TestCoroutineScheduler
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import java.io.IOException
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
            "limiter_acquire_latency_seconds_max", "limiter_queue_depth", "limiter_backend_state",
            "limiter_backend_fallback_decisions_total", "limiter_tokens",
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

    test("the query checker refuses a label that only some unrelated series has, and unknown names and values") {
        exported.problemsIn("""sum(rate(limiter_requests_total{policy="free"}[5m]))""").shouldBeEmpty()
        exported.problemsIn("""sum(rate(limiter_requests_total{key="x"}[5m]))""").size shouldBe 1
        // limiter_tokens has a key label; limiter_requests_total does not.
        exported.series.getValue("limiter_tokens").keys shouldContainAll listOf("key")
        exported.problemsIn("""sum(rate(limiter_requests_total{key="a"}[5m]))""").size shouldBe 1
        exported.problemsIn("""sum by (key) (rate(limiter_requests_total[5m]))""").size shouldBe 1
        exported.problemsIn("""limiter_requests_total{outcome="maybe"}""").size shouldBe 1
        exported.problemsIn("""limiter_request_total""").size shouldBe 1
        exported.problemsIn("""label_values(limiter_queue_depth, outcome)""").size shouldBe 1
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

/**
 * Runs a limiter through every outcome, then one over a fault-tolerant store whose primary is
 * down, on virtual time, and returns the Prometheus scrape.
 */
private suspend fun scrapeAfterEveryOutcome(scheduler: TestCoroutineScheduler): String {
    val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
    val clock = VirtualClock(scheduler)
    val shared = FaultTolerantBucketStore(
        UnreachableStore(), FaultToleranceMode.LOCAL, FaultToleranceSettings().withFailuresBeforeOpening(1), clock,
    )
    FaultToleranceMetrics(shared).bindTo(registry)
    val metrics = LimiterMetrics(registry, BooleanSupplier { shared.state == BackendState.PRIMARY })
    val policy = LimitPolicy.tokenBucket(1, Rate.perSecond(1)).named("free")
    RateLimiter.builder(policy).clock(clock).listener(metrics).buildSuspending().use { limiter ->
        coroutineScope {
            limiter.tryAcquire("a")                                            // allowed
            limiter.tryAcquire("a")                                            // rejected
            launch { limiter.queueRequest("a", maxWait = 2.seconds) }          // queued
            launch { limiter.queueRequest("a", maxWait = 100.milliseconds) }   // timeout
        }
        metrics.watchTokens(limiter, "a")
    }
    RateLimiter.builder(policy).clock(clock).store(shared).listener(metrics).buildSuspending().use { limiter ->
        limiter.tryAcquire("b") // the primary fails: decided locally, on the fallback
    }
    return registry.scrape()
}

/** A remote backend that is down: every command fails, as a refused connection would. */
private class UnreachableStore : BucketStore {
    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision = down()
    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot = down()
    override suspend fun reset(key: String, policy: LimitPolicy): Unit = down()
    private fun down(): Nothing = throw IOException("connection refused")
}

/** Series names in a Prometheus scrape, with each label's values. */
private class Exported(val series: Map<String, Map<String, Set<String>>>) {
    /** The labels [name] has, plus the ones Prometheus adds to every scraped series. */
    private fun labelsOf(name: String): Set<String> = series[name].orEmpty().keys + setOf("instance", "job")

    /**
     * Returns what in [query] names a series, label or label value the scrape does not have. A
     * matcher must name a label of the series it selects; a grouping label, one that every
     * series in the query has (a label only some unrelated series carries is refused).
     */
    fun problemsIn(query: String): List<String> {
        val problems = mutableListOf<String>()
        val names = Regex("""\blimiter_[a-z_]+\b""").findAll(query).map { it.value }.toList()
        names.filter { it !in series }.forEach { problems += "'$query' uses $it, which is not exported" }
        Regex("""\b(by|without)\s*\(([^)]*)\)""").findAll(query).flatMap { it.groupValues[2].split(',') }
            .map { it.trim() }.filter { it.isNotEmpty() }
            .forEach { label ->
                names.filter { label !in labelsOf(it) }.forEach { problems += "'$query' groups by $label, which $it does not have" }
            }
        Regex("""label_values\(\s*(limiter_[a-z_]+)\s*,\s*([a-zA-Z_]+)\s*\)""").findAll(query).forEach { match ->
            val (name, label) = match.destructured
            if (label !in labelsOf(name)) problems += "'$query' lists values of $label, which $name does not have"
        }
        Regex("""(limiter_[a-z_]+)?\{([^}]*)}""").findAll(query).forEach { selector ->
            val selected = selector.groupValues[1].takeIf { it.isNotEmpty() }?.let(::listOf) ?: names
            Regex("""([a-zA-Z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"""").findAll(selector.groupValues[2]).forEach { match ->
                val (label, op, value) = match.destructured
                selected.filter { label !in labelsOf(it) }.forEach { problems += "'$query' matches $label on $it, which does not have it" }
                val known = selected.flatMap { series[it]?.get(label).orEmpty() }.toSet()
                if (op in setOf("=", "=~") && !value.startsWith("$") && known.isNotEmpty()) {
                    value.split('|').filter { it !in known }.forEach { problems += "'$query' matches $label=\"$it\", never exported (has $known)" }
                }
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
