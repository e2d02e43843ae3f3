package dev.limiter.ktor

import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldNotContain
import io.kotest.matchers.shouldBe
import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.time.Duration
import io.ktor.client.engine.cio.CIO as ClientCIO

/** A real Redis taken away under a running app: calls keep being limited locally, and it shows. */
class BackendFallbackSpec : FunSpec({
    timeout = 60_000

    test("when Redis dies, calls are still limited from local buckets and /health and /metrics report the fallback") {
        val redis = RedisHarness.startServer()
        val store = RedisBucketStore.connect(redis.uri)
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        // Decisions and the circuit on a clock that does not move: the six calls below meet
        // a local bucket that cannot refill and a probe that never comes due, however slowly they run.
        val frozen = MockClock()
        val server = embeddedServer(CIO, port = 0, host = "127.0.0.1") {
            install(RateLimiting) {
                this.store = store.enableFaultTolerance(
                    FaultToleranceMode.LOCAL,
                    FaultToleranceSettings().withCommandTimeout(Duration.ofSeconds(1))
                        .withFailuresBeforeOpening(1).withProbeInterval(Duration.ofMinutes(5)),
                    frozen,
                )
                clock = frozen
                policy("small", smallBucket)
                meterRegistry = registry
            }
            routing {
                get("/hello") { call.respondText("hello") }
                healthRoute()
                metricsRoute(registry)
            }
        }.startSuspend(wait = false)
        val client = HttpClient(ClientCIO)
        try {
            val base = "http://127.0.0.1:${server.engine.resolvedConnectors().first().port}"
            suspend fun health() = Json.parseToJsonElement(client.get("$base/health").bodyAsText()).jsonObject
            client.get("$base/hello") { header("X-API-Key", "k") }.status shouldBe HttpStatusCode.OK
            health()["backend"]!!.jsonPrimitive.content shouldBe "primary"

            redis.kill()

            val statuses = List(6) { client.get("$base/hello") { header("X-API-Key", "k2") }.status }
            statuses shouldNotContain HttpStatusCode.InternalServerError
            statuses.count { it == HttpStatusCode.OK } shouldBe 3
            health().let {
                it["status"]!!.jsonPrimitive.content shouldBe "UP"
                it["backend"]!!.jsonPrimitive.content shouldBe "fallback"
            }
            val samples = PrometheusText.parse(client.get("$base/metrics").bodyAsText())
            samples.single { it.name == "limiter_backend_state" }.value shouldBe 0.0
            samples.filter { it.name == "limiter_requests_total" && it.labels["backend"] == "fallback" }
                .sumOf { it.value } shouldBe 6.0
        } finally {
            client.close()
            server.stop(0, 0)
            store.close()
            redis.stop()
        }
    }
})
