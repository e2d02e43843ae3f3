package dev.limiter.redis

import dev.limiter.KeyUsage
import dev.limiter.RateLimits
import dev.limiter.config.LimitsConfig
import dev.limiter.flushUsage
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import java.time.Duration
import kotlin.random.Random

/** Usage pooled in Redis: every node's decisions, per minute, bounded in memory. */
class SharedUsageSpec : FunSpec({
    timeout = 180_000

    val yaml = """
        policies:
          free: { algorithm: token-bucket, capacity: 6, refill: 1/s }
        default-policy: free
        endpoints: { "POST /reports": { cost: 3 } }
    """.trimIndent()

    test("topKeys across three nodes equals the decisions actually made, key by key") {
        val clock = MockClock()
        val options = RedisStoreOptions().withKeyPrefix("usage-${System.nanoTime()}").withTimeSource(RedisStoreOptions.TimeSource.CLIENT)
        val stores = List(3) { RedisBucketStore.connect(RedisHarness.uri, options) }
        val nodes = stores.map { RateLimits(LimitsConfig.parse(yaml), it, clock) }
        try {
            val expected = HashMap<String, LongArray>()
            val random = Random(42)
            repeat(600) {
                val key = "dev-${random.nextInt(25)}"
                val endpoint = if (random.nextInt(4) == 0) "POST /reports" else "GET /items"
                val decision = nodes[random.nextInt(3)].check(key, endpoint)
                val counts = expected.getOrPut(key) { LongArray(3) }
                if (decision.allowed) {
                    counts[0]++
                    counts[2] += if (endpoint == "POST /reports") 3 else 1
                } else {
                    counts[1]++
                }
                if (random.nextInt(50) == 0) clock.advance(Duration.ofSeconds(2))
            }
            nodes.forEach { it.flushUsage() }
            val truth = expected.map { (k, c) -> KeyUsage(k, c[0], c[1], c[2]) }
                .sortedWith(compareByDescending<KeyUsage> { it.total }.thenByDescending { it.key })
            (truth.sumOf { it.rejected } > 0) shouldBe true
            for (node in nodes) {
                node.topKeys(100) shouldBe truth
                node.topKeys(5) shouldBe truth.take(5)
                truth.forEach { node.usage(it.key) shouldBe it }
            }
        } finally {
            nodes.forEach { it.close() }
            stores.forEach { it.close() }
        }
    }

    test("Redis memory for usage stays bounded: 12,000 keys every minute for 90 minutes of mock time") {
        val server = RedisHarness.startServer()
        val store = RedisBucketStore.connect(server.uri)
        val client = RedisClient.create(server.uri)
        try {
            client.connect().use { connection ->
                val sync = connection.sync()
                fun usedMemory(): Long = sync.info("memory").lineSequence().first { it.startsWith("used_memory:") }.substringAfter(':').trim().toLong()
                val baseline = usedMemory()
                val keys = List(12_000) { "developer-key-$it" }
                val startMinute = 29_000_000L
                val figures = LinkedHashMap<Int, Pair<Long, Int>>()
                for (m in 0 until 90) {
                    val minute = startMinute + m
                    store.addUsage(minute, keys.map { KeyUsage(it, 3, if (it.endsWith("7")) 1 else 0, 3) }, 60)
                    if (m == 30 || m == 59 || m == 60 || m == 89) {
                        figures[m + 1] = (usedMemory() - baseline) to sync.keys("limiter:{usage:all}:*").size
                    }
                }
                figures.forEach { (minutes, f) -> println("usage after $minutes min: ${f.first / 1_048_576} MiB above baseline, ${f.second} keys") }
                val (at60, keys60) = figures.getValue(60)
                val (at90, keys90) = figures.getValue(90)
                keys90 shouldBeLessThanOrEqual 3 * 61
                keys90 shouldBe keys60
                // Past the retention window memory stops growing: 30 more minutes add under 10 %.
                (at90 - at60) shouldBeLessThan at60 / 10
                val read = store.readUsage("developer-key-7", startMinute + 30, startMinute + 89)
                read shouldBe KeyUsage("developer-key-7", 180, 60, 180)
                val topStart = System.nanoTime()
                store.readTopKeys(10, startMinute + 30, startMinute + 89).size shouldBe 10
                println("topKeys(10) over 60 minutes of 12,000 keys took ${(System.nanoTime() - topStart) / 1_000_000} ms")
            }
        } finally {
            client.shutdown()
            store.close()
            server.kill()
        }
    }
})
