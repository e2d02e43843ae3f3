package dev.limiter.ktor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

class MetricsSpec : FunSpec({

    test("/metrics serves the limiter meters as valid Prometheus text, with no tag per key") {
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        limitedApp(configure = { meterRegistry = registry }, routes = { metricsRoute(registry) }) {
            repeat(4) { client.hit("/hello", "secret-key-1") }
            val scrape = client.get("/metrics")
            scrape.status shouldBe HttpStatusCode.OK
            scrape.headers["Content-Type"] shouldContain "text/plain"
            val text = scrape.bodyAsText()
            val samples = PrometheusText.parse(text)
            samples.single { it.name == "limiter_requests_total" && it.labels["outcome"] == "allowed" }.let {
                it.value shouldBe 3.0
                it.labels shouldBe mapOf("policy" to "small", "outcome" to "allowed", "backend" to "primary")
            }
            samples.single { it.name == "limiter_requests_total" && it.labels["outcome"] == "rejected" }.value shouldBe 1.0
            samples.single { it.name == "limiter_acquire_latency_seconds_count" }.value shouldBe 4.0
            samples.single { it.name == "limiter_queue_depth" }.value shouldBe 0.0
            text shouldNotContain "secret-key-1"
        }
    }

    test("/metrics and /health are not rate limited") {
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        limitedApp(configure = { meterRegistry = registry }, routes = { metricsRoute(registry); healthRoute() }) {
            repeat(5) { client.get("/metrics").status shouldBe HttpStatusCode.OK }
            repeat(5) { client.get("/health").status shouldBe HttpStatusCode.OK }
        }
    }

    test("/health reports UP on the primary backend when the store answers") {
        limitedApp(routes = { healthRoute() }) {
            val health = Json.parseToJsonElement(client.get("/health").bodyAsText()).jsonObject
            health["status"]!!.jsonPrimitive.content shouldBe "UP"
            health["backend"]!!.jsonPrimitive.content shouldBe "primary"
        }
    }

    test("/health reports the fallback while the store decides locally") {
        limitedApp(configure = { backendIsPrimary = java.util.function.BooleanSupplier { false } }, routes = { healthRoute() }) {
            val health = Json.parseToJsonElement(client.get("/health").bodyAsText()).jsonObject
            health["backend"]!!.jsonPrimitive.content shouldBe "fallback"
        }
    }

    test("the Prometheus text checker rejects malformed exposition text") {
        // Each text with the checker's own reason for refusing it (not just any exception).
        val bad = mapOf(
            "limiter_requests_total{policy=\"free\" 1" to "bad label, line 1",
            "# TYPE x counter\n# TYPE x counter\nx 1" to "second TYPE for x, line 2",
            "9bad_name 1" to "bad metric name, line 1",
            "x{a=\"unterminated} 1" to "unterminated label value, line 1",
            "x one" to "bad value, line 1",
            "x_total 1\n# TYPE x counter" to "TYPE after samples of x, line 2",
        )
        bad.forEach { (text, reason) -> shouldThrow<IllegalArgumentException> { PrometheusText.parse(text) }.message shouldStartWith reason }
        PrometheusText.parse("# TYPE x counter\nx_total{a=\"q\\\"\"} 1").single().labels shouldBe mapOf("a" to "q\"")
    }
})
