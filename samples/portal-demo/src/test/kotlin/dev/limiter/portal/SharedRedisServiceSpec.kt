package dev.limiter.portal

import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.RedisStoreOptions
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldMatch
import io.ktor.client.request.header
import io.ktor.client.request.get
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.http.HttpStatusCode
import io.lettuce.core.RedisClient
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import java.time.Duration

/** Two portal instances over real sockets sharing one real Redis, as in production. */
class SharedRedisServiceSpec : FunSpec({
    timeout = 90_000

    // Both instances read one mock clock, and Redis takes time from it: nothing refills mid-test.
    suspend fun <T> twoInstances(block: suspend (PortalServer, PortalServer) -> T): T {
        val clock = MockClock()
        val options = RedisStoreOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT)
        val redis = List(2) { RedisBucketStore.connect(RedisHarness.uri, options) }
        // A generous timeout: a cold JVM on a busy machine must not trip the circuit into local buckets.
        val settings = FaultToleranceSettings().withCommandTimeout(Duration.ofSeconds(5))
        val servers = redis.map { PortalServer(it.enableFaultTolerance(FaultToleranceMode.LOCAL, settings, clock), clock) }
        try {
            return block(servers[0], servers[1])
        } finally {
            servers.forEach { it.close() }
            redis.forEach { it.close() }
        }
    }

    test("a key checked through two service instances gets exactly the bucket's allowance in total") {
        twoInstances { a, b ->
            val key = "user-${System.nanoTime()}"
            val body = """{"key":"$key","algorithm":"token-bucket","limit":10,"window":"1s"}"""
            val statuses = coroutineScope {
                (0 until 30).map { i ->
                    val node = if (i % 2 == 0) a else b
                    async { node.client.post("${node.base}/v1/check") { setBody(body) }.status }
                }.awaitAll()
            }
            statuses.count { it == HttpStatusCode.OK } shouldBe 10
            statuses.count { it == HttpStatusCode.TooManyRequests } shouldBe 20
        }
    }

    test("GET /resource through two instances admits exactly 40 per API key") {
        twoInstances { a, b ->
            val key = "dev-${System.nanoTime()}"
            val statuses = coroutineScope {
                (0 until 60).map { i ->
                    val node = if (i % 2 == 0) a else b
                    async { node.client.get("${node.base}/resource") { header("X-API-Key", key) }.status }
                }.awaitAll()
            }
            statuses.count { it == HttpStatusCode.OK } shouldBe 40
            statuses.count { it == HttpStatusCode.TooManyRequests } shouldBe 20
        }
    }

    test("a hostile key reaches Redis only escaped or hashed, inside its hash tag") {
        twoInstances { a, _ ->
            val hostile = "evil}{limiter:*\r\nFLUSHALL " + "x".repeat(40)
            val json = kotlinx.serialization.json.JsonPrimitive(hostile).toString()
            a.client.post("${a.base}/v1/check") { setBody("""{"key":$json,"policy":"free"}""") }.status shouldBe HttpStatusCode.OK
            a.client.post("${a.base}/v1/check") { setBody("""{"key":"short}{key","policy":"free"}""") }.status shouldBe HttpStatusCode.OK
            val keys = RedisClient.create(RedisHarness.uri).let { client ->
                try { client.connect().use { it.sync().keys("*") } } finally { client.shutdown() }
            }
            keys.shouldNotBeEmpty()
            keys.forEach { it shouldMatch Regex("""[A-Za-z0-9_.:-]*\{[A-Za-z0-9_-]+:([A-Za-z0-9._@%-]+|#[A-Za-z0-9_-]+)}[A-Za-z0-9_.:-]*""") }
        }
    }
})
