package dev.limiter.ktor

import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.redis.RedisBucketStore
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.time.Duration
import io.ktor.client.engine.cio.CIO as ClientCIO

/** Two app instances over real sockets, sharing one real Redis. */
class SharedRedisQuotaSpec : FunSpec({
    timeout = 60_000

    // 10 calls, refilled one per hour: nothing refills while the test runs.
    val policy = LimitPolicy.tokenBucket(10, Rate.parse("1/h"))

    fun instance(store: RedisBucketStore): EmbeddedServer<*, *> = embeddedServer(CIO, port = 0, host = "127.0.0.1") {
        install(RateLimiting) {
            // A generous command timeout: a cold JVM on a busy machine must not trip the circuit
            // into local buckets, which would make each node admit its own allowance.
            this.store = store.enableFaultTolerance(
                FaultToleranceMode.LOCAL,
                FaultToleranceSettings().withCommandTimeout(Duration.ofSeconds(5)),
            )
            policy("shared", policy)
        }
        routing {
            get("/resource") { call.respondText("ok") }
            healthRoute()
        }
    }

    test("two instances sharing a Redis admit exactly the bucket's allowance per key, together") {
        val stores = List(2) { RedisBucketStore.connect(RedisHarness.uri) }
        val servers = stores.map { instance(it).also { s -> s.startSuspend(wait = false) } }
        val client = HttpClient(ClientCIO)
        try {
            val bases = servers.map { "http://127.0.0.1:${it.engine.resolvedConnectors().first().port}" }
            for (key in listOf("alice-${System.nanoTime()}", "bob-${System.nanoTime()}")) {
                val statuses = coroutineScope {
                    (0 until 30).map { i ->
                        async { client.get("${bases[i % 2]}/resource") { header("X-API-Key", key) }.status }
                    }.awaitAll()
                }
                statuses.count { it == HttpStatusCode.OK } shouldBe 10
                statuses.count { it == HttpStatusCode.TooManyRequests } shouldBe 20
            }
            val health = Json.parseToJsonElement(client.get("${bases[0]}/health").bodyAsText()).jsonObject
            health["status"]!!.jsonPrimitive.content shouldBe "UP"
            health["backend"]!!.jsonPrimitive.content shouldBe "primary"
        } finally {
            client.close()
            servers.forEach { it.stop(0, 0) }
            stores.forEach { it.close() }
        }
    }
})
