package dev.limiter.ktor

import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
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
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.time.Duration
import kotlin.time.Duration.Companion.seconds
import io.ktor.client.engine.cio.CIO as ClientCIO

/**
 * Set up as docs/redis.md shows (fault tolerance enabled on the store, the `RedisBucketStore`
 * itself passed to the plugin), `/health` follows a real Redis killed and restarted.
 */
class HealthRecoverySpec : FunSpec({
    timeout = 60_000

    test("/health says fallback while Redis is down and primary again once it is back") {
        val redis = RedisHarness.startServer()
        val store = RedisBucketStore.connect(redis.uri)
        val circuitClock = MockClock()
        store.enableFaultTolerance(
            FaultToleranceMode.LOCAL,
            FaultToleranceSettings().withCommandTimeout(Duration.ofSeconds(1)).withFailuresBeforeOpening(1)
                .withProbeInterval(Duration.ofMinutes(1)),
            circuitClock,
        )
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        val server = embeddedServer(CIO, port = 0, host = "127.0.0.1") {
            install(RateLimiting) {
                this.store = store
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
            suspend fun backend() = Json.parseToJsonElement(client.get("$base/health").bodyAsText()).jsonObject["backend"]!!.jsonPrimitive.content
            suspend fun gauge() = PrometheusText.parse(client.get("$base/metrics").bodyAsText()).single { it.name == "limiter_backend_state" }.value
            client.get("$base/hello") { header("X-API-Key", "k") }.status shouldBe HttpStatusCode.OK
            backend() shouldBe "primary"
            gauge() shouldBe 1.0

            redis.kill()
            client.get("$base/hello") { header("X-API-Key", "k") }.status shouldBe HttpStatusCode.OK
            backend() shouldBe "fallback"
            gauge() shouldBe 0.0

            redis.start()
            // Each probe interval lets one call try Redis again; the client reconnects on its own.
            withTimeout(30.seconds) {
                var probe = 0
                while (backend() != "primary") {
                    circuitClock.advance(Duration.ofMinutes(1))
                    client.get("$base/hello") { header("X-API-Key", "probe-${probe++}") }.status shouldBe HttpStatusCode.OK
                }
            }
            backend() shouldBe "primary"
            gauge() shouldBe 1.0
        } finally {
            client.close()
            server.stop(0, 0)
            store.close()
            redis.stop()
        }
    }
})
