package dev.limiter.ktor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry

/**
 * The plugin's `/metrics`, after allowed and rejected calls, read by Prometheus' own parser:
 * `promtool check metrics` must accept the scrape (exit 0: parsed and no lint problem). The
 * hand-written [PrometheusText] reader in `MetricsSpec` checks the values; this checks the
 * format against the real thing.
 */
class PromtoolMetricsSpec : FunSpec({
    test("promtool check metrics accepts a real /metrics scrape").config(enabledOrReasonIf = { Promtool.enabled() }) {
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        limitedApp(configure = { meterRegistry = registry }, routes = { metricsRoute(registry) }) {
            repeat(4) { client.hit("/hello", "k") }
            val scrape = client.get("/metrics").bodyAsText()
            scrape shouldContain "limiter_requests_total"
            val checked = Promtool.run("check", "metrics", input = scrape)
            Pair(checked.output, checked.exitCode) shouldBe Pair("", 0)
        }
    }

    test("promtool check metrics refuses what Prometheus would refuse (the check can fail)").config(enabledOrReasonIf = { Promtool.enabled() }) {
        Promtool.run("check", "metrics", input = "limiter_requests_total{policy=\"free\" 1\n").exitCode shouldBe 1
    }
})
