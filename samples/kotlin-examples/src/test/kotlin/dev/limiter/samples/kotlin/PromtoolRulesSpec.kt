package dev.limiter.samples.kotlin

import dev.limiter.ktor.Promtool
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import java.nio.file.Files
import kotlin.io.path.readText
import kotlin.io.path.writeText

/**
 * `docs/dashboards/` read by Prometheus' own `promtool`: the alert rules pass `check rules`,
 * their unit tests (`alerts.test.yml`: each alert fires on the series it is about, after its
 * `for`, with its labels and annotations, and stays quiet on healthy ones) pass `test rules`,
 * and every dashboard query parses as PromQL (Grafana's `$policy` and `$__rate_interval`
 * filled in, each query checked as a recording rule). `DashboardsSpec` checks that the names,
 * labels and values in them are exported.
 */
class PromtoolRulesSpec : FunSpec({
    val dashboards = repositoryRoot().resolve("docs/dashboards")

    test("promtool check rules accepts docs/dashboards/alerts.yml").config(enabledOrReasonIf = { Promtool.enabled() }) {
        val checked = Promtool.run("check", "rules", "alerts.yml", directory = dashboards.toFile())
        Pair(checked.output, checked.exitCode) shouldBe Pair(checked.output, 0)
        // Every alert the file has (five today) is found.
        val found = Regex("""SUCCESS: (\d+) rules found""").find(checked.output)?.groupValues?.get(1)?.toInt() ?: 0
        found shouldBeGreaterThan 4
    }

    test("promtool test rules passes the alerts' unit tests in alerts.test.yml").config(enabledOrReasonIf = { Promtool.enabled() }) {
        val tested = Promtool.run("test", "rules", "alerts.test.yml", directory = dashboards.toFile())
        Pair(tested.output, tested.exitCode) shouldBe Pair(tested.output, 0)
        tested.output shouldContain "SUCCESS"
    }

    test("every query of the Grafana dashboard parses as PromQL").config(enabledOrReasonIf = { Promtool.enabled() }) {
        val dashboard = Json.parseToJsonElement(dashboards.resolve("limiter-dashboard.json").readText())
        val queries = promQueries(dashboard)
        queries.size shouldBeGreaterThan 10
        val checked = checkAsRules(queries)
        Pair(checked.output, checked.exitCode) shouldBe Pair(checked.output, 0)
        checked.output shouldContain "SUCCESS: ${queries.size} rules found"
    }

    test("a query that is not PromQL is refused (the check can fail)").config(enabledOrReasonIf = { Promtool.enabled() }) {
        checkAsRules(listOf("sum by (policy (rate(limiter_requests_total[5m]))")).exitCode shouldBe 1
    }
})

/** The dashboard's PromQL: `expr` fields, and the metric of `label_values(metric, label)` variable queries. */
private fun promQueries(element: JsonElement): List<String> = when (element) {
    is JsonObject -> element.flatMap { (key, value) ->
        if (key in setOf("expr", "query") && value is JsonPrimitive && value.isString) {
            listOf(value.content).filter { "limiter_" in it }
                .map { Regex("""label_values\(\s*([^,]+),\s*([a-zA-Z_]+)\s*\)""").replace(it) { m -> "group by (${m.groupValues[2]}) (${m.groupValues[1]})" } }
        } else {
            promQueries(value)
        }
    }
    is JsonArray -> element.flatMap { promQueries(it) }
    else -> emptyList()
}

/** Runs `promtool check rules` on [queries] written as recording rules, Grafana's variables filled in. */
private fun checkAsRules(queries: List<String>): Promtool.Result {
    val file = Files.createTempFile("dashboard-queries", ".yml")
    try {
        val rules = queries.withIndex().joinToString("\n") { (index, query) ->
            val promql = query.replace("\$__rate_interval", "5m").replace("\$policy", ".*")
            "      - record: dashboard:query_$index\n        expr: '${promql.replace("'", "''")}'"
        }
        file.writeText("groups:\n  - name: dashboard\n    rules:\n$rules\n")
        return Promtool.run("check", "rules", file.toString())
    } finally {
        Files.deleteIfExists(file)
    }
}
