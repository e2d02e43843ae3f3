package dev.limiter.ktor

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.testing.ApplicationTestBuilder
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

private const val ADMIN = "queue-spec-admin-token"

class QueueModeSpec : FunSpec({

    fun queueApp(clock: MockClock, registry: PrometheusMeterRegistry? = null, block: suspend ApplicationTestBuilder.() -> Unit) =
        limitedApp(
            clock,
            configure = { meterRegistry = registry },
            routes = {
                rateLimitAdmin(ADMIN)
                queued(QueueMode(maxWait = 2.seconds, priority = { it.request.headers["X-Priority"]?.toIntOrNull() ?: 0 })) {
                    get("/queued") { call.respondText("served") }
                    rateLimited(LimitPolicy.tokenBucket(1, Rate.parse("1/5s"))) { get("/slow-queued") { call.respondText("served") } }
                }
            },
            block = block,
        )

    suspend fun ApplicationTestBuilder.awaitQueueDepth(depth: Int) = withTimeout(5.seconds) {
        while (true) {
            val stats = Json.parseToJsonElement(client.get("/admin/limits/stats") { bearerAuth(ADMIN) }.bodyAsText()).jsonObject
            val current = stats["policies"]?.jsonObject?.get("small")?.jsonObject?.get("queueDepth")?.jsonPrimitive?.int
            if (current == depth) return@withTimeout
            delay(10)
        }
    }

    test("a call over the limit waits for the next permit instead of getting 429") {
        val clock = MockClock()
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        queueApp(clock, registry) {
            repeat(3) { client.hit("/queued", "k").status shouldBe HttpStatusCode.OK }
            coroutineScope {
                val waiting = async { client.hit("/queued", "k") }
                awaitQueueDepth(1)
                waiting.isCompleted shouldBe false
                clock.advance(Duration.ofSeconds(1))
                withTimeout(5.seconds) { waiting.await() }.status shouldBe HttpStatusCode.OK
            }
            registry.get("limiter.requests").tags("outcome", "queued").counter().count() shouldBe 1.0
        }
    }

    test("a call whose earliest grant lies beyond maxWait gets 429 at once, with the real Retry-After") {
        val clock = MockClock()
        queueApp(clock) {
            client.hit("/slow-queued", "k").status shouldBe HttpStatusCode.OK
            val refused = withTimeout(5.seconds) { client.hit("/slow-queued", "k") }
            refused.status shouldBe HttpStatusCode.TooManyRequests
            refused.headers["Retry-After"] shouldBe "5"
            Json.parseToJsonElement(refused.bodyAsText()).jsonObject["reason"]!!.jsonPrimitive.content shouldBe "QUEUE_TIMEOUT"
        }
    }

    test("waiters are served by priority computed from the call, higher first") {
        val clock = MockClock()
        queueApp(clock) {
            repeat(3) { client.hit("/queued", "k") }
            coroutineScope {
                val low: Deferred<HttpResponse> = async { client.get("/queued") { header("X-API-Key", "k"); header("X-Priority", "1") } }
                awaitQueueDepth(1)
                val high = async { client.get("/queued") { header("X-API-Key", "k"); header("X-Priority", "9") } }
                awaitQueueDepth(2)
                clock.advance(Duration.ofSeconds(1))
                withTimeout(5.seconds) { high.await() }.status shouldBe HttpStatusCode.OK
                low.isCompleted shouldBe false
                clock.advance(Duration.ofSeconds(1))
                withTimeout(5.seconds) { low.await() }.status shouldBe HttpStatusCode.OK
            }
        }
    }

    test("a call's tier from the config can set its queue priority") {
        val yaml = """
            policies:
              small: { algorithm: token-bucket, capacity: 1, refill: 1/s }
              gold:  { algorithm: token-bucket, capacity: 5, refill: 1/s }
            default-policy: small
            keys: { vip: gold }
        """.trimIndent()
        val seen = java.util.concurrent.ConcurrentLinkedQueue<String>()
        limitedApp(
            configure = { config = dev.limiter.config.LimitsConfig.parse(yaml) },
            routes = {
                queued(QueueMode(maxWait = 2.seconds, priority = { call -> seen.add(call.rateLimitTier()); 0 })) {
                    get("/tiered") { call.respondText("ok") }
                }
            },
        ) {
            client.hit("/tiered", "vip").status shouldBe HttpStatusCode.OK
            client.hit("/tiered", "someone").status shouldBe HttpStatusCode.OK
            seen.toList() shouldBe listOf("gold", "small")
        }
    }
})
