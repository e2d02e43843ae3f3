package dev.limiter.ktor

import dev.limiter.LimitPolicy
import dev.limiter.LocalBucketStore
import dev.limiter.LimiterClock
import dev.limiter.Rate
import dev.limiter.config.LimitsConfig
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.Application
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.routing
import io.ktor.server.testing.testApplication
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlin.time.Duration.Companion.seconds

/** The code of docs/ktor.md, compiled and run, so the guide cannot drift from the API. */
class GuideExamplesSpec : FunSpec({

    val limitsYaml = """
        policies:
          free:    { algorithm: token-bucket, capacity: 40,  refill: 10/s }
          reports: { algorithm: leaky-bucket, capacity: 20,  drain: 5/s }
        default-policy: free
    """.trimIndent()

    fun Application.guide(registry: PrometheusMeterRegistry) {
        install(RateLimiting) {
            config = LimitsConfig.parse(limitsYaml)
            store = LocalBucketStore()
            clock = LimiterClock.SYSTEM
            apiKeyHeader = "X-API-Key"
            headerStyle = HeaderStyle.BOTH
            trustedProxies = listOf("10.0.0.0/8")
            missingKey = MissingKey.CLIENT_ADDRESS
            meterRegistry = registry
        }
        routing {
            get("/resource") { call.respondText("resource") }
            rateLimited("reports", cost = 10) {
                post("/reports") { call.respondText("queued") }
            }
            rateLimited(LimitPolicy.gcra(Rate.parse("5/s"), 10)) { get("/burst") { call.respondText("ok") } }
            defaultLimits(calls = 1000, period = "1h") {
                get("/search") { call.respondText("results") }
            }
            unlimited { get("/status") { call.respondText("fine") } }
            queued(QueueMode(maxWait = 2.seconds, priority = { call -> if (call.request.headers["X-Tier"] == "pro") 10 else 0 })) {
                get("/export") { call.respondText("export") }
            }
            rateLimitAdmin(token = "guide-admin-token-0123")
            metricsRoute(registry)
            healthRoute()
        }
    }

    test("the guide's application runs: reports cost 10 of a bucket of 20") {
        testApplication {
            application { guide(PrometheusMeterRegistry(PrometheusConfig.DEFAULT)) }
            repeat(2) { client.post("/reports") { header("X-API-Key", "k") }.status shouldBe HttpStatusCode.OK }
            client.post("/reports") { header("X-API-Key", "k") }.status shouldBe HttpStatusCode.TooManyRequests
            client.hit("/resource", "k").headers["RateLimit-Policy"] shouldBe "\"free\";q=40;w=4"
            client.hit("/status", "k").headers["RateLimit"] shouldBe null
            client.hit("/search", "k").headers["X-RateLimit-Limit"] shouldBe "1000"
            client.hit("/burst", "k").headers["X-RateLimit-Limit"] shouldBe "10"
            client.hit("/export", "k").status shouldBe HttpStatusCode.OK
        }
    }
})
