package dev.limiter.ktor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
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
        val bad = listOf(
            "limiter_requests_total{policy=\"free\" 1",
            "# TYPE x counter\n# TYPE x counter\nx 1",
            "9bad_name 1",
            "x{a=\"unterminated} 1",
            "x one",
            "x_total 1\n# TYPE x counter",
        )
        bad.forEach { text -> runCatching { PrometheusText.parse(text) }.isFailure shouldBe true }
    }
})
