package dev.limiter.portal

import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.ktor.rateLimitEngine
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.RedisConfigStore
import dev.limiter.redis.RedisStoreOptions
import dev.limiter.redis.configStore
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.client.request.put
import io.ktor.client.request.setBody
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.lettuce.core.RedisClient
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.time.Duration

/** A portal node on a real socket with its own connections to the shared Redis. */
private class Node(redisUri: String, clock: MockClock) : AutoCloseable {
    val buckets: RedisBucketStore = RedisBucketStore.connect(redisUri, RedisStoreOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT))
        .also { it.enableFaultTolerance(FaultToleranceMode.LOCAL, FaultToleranceSettings().withCommandTimeout(Duration.ofSeconds(5)), clock) }
    val config: RedisConfigStore = buckets.configStore()
    private val server: EmbeddedServer<*, *> = embeddedServer(Netty, port = 0, host = "127.0.0.1") {
        portal(PortalSettings(adminToken = ADMIN_TOKEN), buckets, clock, configStore = config)
    }.start(wait = false)
    val client = HttpClient(CIO) { expectSuccess = false }
    val base = "http://127.0.0.1:" + runBlocking { server.engine.resolvedConnectors().first().port }

    /** The capacity of `free` this node enforces now. */
    val freeCapacity: Long get() = server.application.rateLimitEngine.config.policies.getValue("free").capacity

    suspend fun putConfig(yaml: String, ifMatch: String? = null): HttpResponse = client.put("$base/admin/limits/config") {
        bearerAuth(ADMIN_TOKEN); header("X-Author", "ops"); ifMatch?.let { header(HttpHeaders.IfMatch, it) }; setBody(yaml)
    }

    suspend fun etag(): String? = client.get("$base/admin/limits/config") { bearerAuth(ADMIN_TOKEN) }.headers[HttpHeaders.ETag]

    /** Whether a fresh key gets exactly [capacity] calls of `GET /resource` before a 429. */
    suspend fun enforces(capacity: Long): Boolean {
        val key = "probe-${System.nanoTime()}"
        val statuses = (0..capacity).map { client.get("$base/resource") { header("X-API-Key", key) }.status }
        return statuses.dropLast(1).all { it == HttpStatusCode.OK } && statuses.last() == HttpStatusCode.TooManyRequests
    }

    override fun close() {
        client.close()
        server.stop(0, 0)
        config.close()
        buckets.close()
    }
}

private fun limits(freeCapacity: Int) = PortalSettings.bundledLimits().replace("capacity: 40,", "capacity: $freeCapacity,")

/** Polls every 10 ms until every node enforces `free` = [capacity], at most [limitMillis]; returns each node's delay. */
private suspend fun awaitEveryNode(nodes: List<Node>, capacity: Long, limitMillis: Long): List<Long> {
    val start = System.nanoTime()
    val reached = LongArray(nodes.size) { -1 }
    while (reached.any { it < 0 }) {
        val elapsed = (System.nanoTime() - start) / 1_000_000
        nodes.forEachIndexed { i, n -> if (reached[i] < 0 && n.freeCapacity == capacity) reached[i] = elapsed }
        check(elapsed <= limitMillis || reached.all { it >= 0 }) { "nodes did not all reach capacity $capacity within $limitMillis ms: ${reached.toList()}" }
        if (reached.any { it < 0 }) delay(10)
    }
    return reached.toList()
}

/** Three portal nodes on real sockets over one real Redis: a config published on one is enforced by all. */
class ClusterConfigSpec : FunSpec({
    timeout = 180_000
    val redis = RedisHarness.startServer()
    val clock = MockClock()
    val nodes = mutableListOf<Node>()
    afterSpec {
        nodes.forEach { runCatching { it.close() } }
        redis.kill()
    }

    test("a PUT on node A is enforced by B and C within one second") {
        repeat(3) { nodes += Node(redis.uri, clock) }
        val (a, b, c) = nodes
        nodes.map { it.etag() } shouldBe List(3) { "\"1\"" }
        nodes.forEach { it.freeCapacity shouldBe 40 }
        var worst = 0L
        for ((round, capacity) in listOf(5, 6, 7).withIndex()) {
            val put = a.putConfig(limits(capacity), ifMatch = "\"${round + 1}\"")
            put.status shouldBe HttpStatusCode.OK
            val delays = awaitEveryNode(listOf(b, c), capacity.toLong(), 1_000)
            worst = maxOf(worst, delays.max())
        }
        println("largest delay from PUT answered on A to B and C enforcing: $worst ms")
        worst shouldBeLessThan 1_000
        b.enforces(7) shouldBe true
        c.enforces(7) shouldBe true
    }

    test("a stale If-Match gets 412 and changes nothing") {
        val (a, b, _) = nodes
        val stale = b.putConfig(limits(99), ifMatch = "\"1\"")
        stale.status shouldBe HttpStatusCode.PreconditionFailed
        nodes.map { it.etag() } shouldBe List(3) { "\"4\"" }
        a.freeCapacity shouldBe 7
    }

    test("an invalid config gets 400 with every error and changes nothing anywhere") {
        val bad = "policies:\n  free: { algorithm: token-bucket, capacity: 0, refill: 10/s }\n  pro: { algorithm: warp, capacity: 5, refill: 1/s }\ndefault-policy: missing\n"
        val refused = nodes[0].putConfig(bad, ifMatch = "\"4\"")
        refused.status shouldBe HttpStatusCode.BadRequest
        Json.parseToJsonElement(refused.bodyAsText()).jsonObject["errors"]!!.jsonArray
            .map { it.jsonObject["path"]!!.jsonPrimitive.content }
            .shouldContainAll("policies.free.capacity", "policies.pro.algorithm", "default-policy")
        nodes.map { it.etag() } shouldBe List(3) { "\"4\"" }
        nodes.map { it.freeCapacity } shouldBe listOf(7L, 7L, 7L)
    }

    test("a restarted node starts on the latest version") {
        nodes.removeAt(2).close()
        nodes[0].putConfig(limits(8), ifMatch = "\"4\"").status shouldBe HttpStatusCode.OK
        val restarted = Node(redis.uri, clock).also { nodes += it }
        restarted.freeCapacity shouldBe 8
        restarted.enforces(8) shouldBe true
    }

    test("a rollback reaches every node") {
        val rollback = nodes[1].client.post("${nodes[1].base}/admin/limits/config/rollback/2") { bearerAuth(ADMIN_TOKEN) }
        rollback.status shouldBe HttpStatusCode.OK
        rollback.headers[HttpHeaders.ETag] shouldBe "\"6\""
        val delays = awaitEveryNode(nodes, 5, 1_000)
        println("rollback reached the nodes after $delays ms")
    }

    test("a node whose subscription was killed still converges within five seconds") {
        val client = RedisClient.create(redis.uri)
        try {
            client.connect().use { it.sync().dispatch(io.lettuce.core.protocol.CommandType.CLIENT, io.lettuce.core.output.IntegerOutput(io.lettuce.core.codec.StringCodec.UTF8), io.lettuce.core.protocol.CommandArgs(io.lettuce.core.codec.StringCodec.UTF8).add("KILL").add("TYPE").add("pubsub")) }
                .let { killed -> println("killed $killed pub/sub connections") }
        } finally {
            client.shutdown()
        }
        nodes[0].putConfig(limits(9), ifMatch = "\"6\"").status shouldBe HttpStatusCode.OK
        val delays = awaitEveryNode(nodes, 9, 5_000)
        println("after CLIENT KILL TYPE pubsub the nodes converged after $delays ms")
    }

    test("with Redis down a publish answers 503 and every node keeps its running config") {
        redis.kill()
        val refused = nodes[0].putConfig(limits(11))
        refused.status shouldBe HttpStatusCode.ServiceUnavailable
        nodes.map { it.freeCapacity } shouldBe listOf(9L, 9L, 9L)
        nodes.forEach { it.enforces(9) shouldBe true }
    }
})
