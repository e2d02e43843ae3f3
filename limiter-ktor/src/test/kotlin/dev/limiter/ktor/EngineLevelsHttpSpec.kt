package dev.limiter.ktor

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import dev.limiter.config.LimitsConfig
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.slf4j.LoggerFactory

/** Levels and shadow mode through real HTTP handling: what the engine decides, the plugin shows. */
class EngineLevelsHttpSpec : FunSpec({

    test("a shadow policy over a tight limit lets every call through; headers and /metrics show the would-be refusals") {
        val yaml = """
            policies:
              tight: { algorithm: token-bucket, capacity: 2, refill: 1/h, mode: shadow }
            default-policy: tight
        """.trimIndent()
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        limitedApp(MockClock(), configure = { config = LimitsConfig.parse(yaml); meterRegistry = registry }, routes = { metricsRoute(registry) }) {
            val responses = List(5) { client.hit("/hello", "k") }
            responses.map { it.status }.distinct() shouldBe listOf(HttpStatusCode.OK)
            responses.map { it.headers["RateLimit"] } shouldBe listOf(
                "\"tight\";r=1;t=3600", "\"tight\";r=0;t=7200", "\"tight\";r=0;t=7200", "\"tight\";r=0;t=7200", "\"tight\";r=0;t=7200",
            )
            val samples = PrometheusText.parse(client.get("/metrics").bodyAsText())
            fun count(outcome: String) = samples.filter { it.name == "limiter_requests_total" && it.labels["outcome"] == outcome }.sumOf { it.value }
            count("allowed") shouldBe 2.0
            count("shadow_rejected") shouldBe 3.0
            count("rejected") shouldBe 0.0
        }
    }

    test("the refusing level is named in the headers, the problem body, the metrics and the violation log") {
        val yaml = """
            policies:
              each:   { algorithm: token-bucket, capacity: 10, refill: 1/h }
              per-ip: { algorithm: token-bucket, capacity: 2, refill: 1/h }
            default-policy: each
            levels:
              - { per: ip, policy: per-ip }
        """.trimIndent()
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        val logger = LoggerFactory.getLogger("dev.limiter.ktor.RateLimiting") as Logger
        val log = ListAppender<ILoggingEvent>().apply { start() }
        val level = logger.level
        logger.level = Level.WARN
        logger.addAppender(log)
        try {
            limitedApp(MockClock(), configure = { config = LimitsConfig.parse(yaml); meterRegistry = registry }, routes = { metricsRoute(registry) }) {
                client.hit("/hello", "a").headers["RateLimit"] shouldBe "\"each\";r=9;t=3600"
                client.hit("/hello", "b").status shouldBe HttpStatusCode.OK
                val refused = client.hit("/hello", "c-secret")
                refused.status shouldBe HttpStatusCode.TooManyRequests
                refused.headers["RateLimit-Policy"] shouldBe "\"per-ip\";q=2;w=7200"
                Json.parseToJsonElement(refused.bodyAsText()).jsonObject["policy"]!!.jsonPrimitive.content shouldBe "per-ip"
                // Another key from the same address is refused too, but none was charged for it.
                val view = client.get("/hello") { header("X-API-Key", "c-secret") }
                view.status shouldBe HttpStatusCode.TooManyRequests
                val samples = PrometheusText.parse(client.get("/metrics").bodyAsText())
                samples.single { it.name == "limiter_requests_total" && it.labels["outcome"] == "rejected" }.let {
                    it.labels["policy"] shouldBe "per-ip"
                    it.value shouldBe 2.0
                }
                log.list shouldHaveSize 2
                log.list[0].formattedMessage shouldContain "policy=per-ip"
                log.list[0].formattedMessage shouldContain "key=key:…#"
            }
        } finally {
            logger.detachAppender(log)
            logger.level = level
        }
    }

    test("route-scoped policies, endpoint levels and the ceiling are decided together by the engine") {
        val yaml = """
            policies:
              each:   { algorithm: token-bucket, capacity: 10, refill: 1/h }
              search: { algorithm: fixed-window, limit: 3, window: 1h }
            default-policy: each
            levels:
              - { per: endpoint, endpoint: "GET /search", policy: search }
            global: { algorithm: token-bucket, capacity: 100, refill: 1/h }
        """.trimIndent()
        limitedApp(
            MockClock(),
            configure = { config = LimitsConfig.parse(yaml) },
            routes = { get("/search") { call.respondText("found") } },
        ) {
            List(3) { i -> client.hit("/search", "key-$i").status } shouldBe List(3) { HttpStatusCode.OK }
            client.hit("/search", "key-9").headers["RateLimit-Policy"] shouldBe "\"search\";q=3;w=3600"
            client.hit("/hello", "key-9").status shouldBe HttpStatusCode.OK
            application.rateLimitEngine.limiter("each").remainingQuota("key-9") shouldBe 9
        }
    }
})
