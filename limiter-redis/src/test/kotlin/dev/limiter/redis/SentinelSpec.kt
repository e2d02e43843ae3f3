package dev.limiter.redis

import dev.limiter.BucketRequest
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient

/** A store connected through Sentinel decides on the master Sentinel names. */
class SentinelSpec : FunSpec({
    val master = RedisHarness.startServer()
    val sentinel = RedisHarness.startSentinel(master.port)
    afterSpec {
        sentinel.stop()
        master.stop()
    }

    test("a redis-sentinel URI reaches the monitored master, sharing buckets with a direct connection") {
        val policy = LimitPolicy.tokenBucket(5, Rate.perHour(1))
        val options = SharedRedis.isolatedOptions()
        RedisBucketStore.connect("redis-sentinel://127.0.0.1:${sentinel.port}#mymaster", options).use { viaSentinel ->
            RedisBucketStore.connect(master.uri, options).use { direct ->
                viaSentinel.tryConsume("dev-42", policy, 3, 0).remaining shouldBe 2
                direct.tryConsume("dev-42", policy, 2, 0).remaining shouldBe 0
                viaSentinel.tryConsume("dev-42", policy, 1, 0).allowed shouldBe false
            }
        }
    }

    test("through Sentinel, a request with a ceiling is one EVALSHA on the master, all levels or none") {
        val perKey = LimitPolicy.tokenBucket(2, Rate.perHour(1)).named("free")
        val ceiling = LimitPolicy.tokenBucket(100, Rate.perHour(1)).named("global")
        val request = listOf(BucketRequest("dev-7", perKey, 1), BucketRequest("global", ceiling, 1))
        RedisBucketStore.connect("redis-sentinel://127.0.0.1:${sentinel.port}#mymaster", SharedRedis.isolatedOptions()).use { store ->
            RedisClient.create(master.uri).use { client ->
                val sync = client.connect().sync()
                fun evalshas(): Long = sync.info("commandstats").lines().firstOrNull { it.startsWith("cmdstat_evalsha:") }
                    ?.substringAfter("calls=")?.substringBefore(',')?.toLong() ?: 0
                store.tryConsumeAll(request, 0).all { it.allowed } shouldBe true // loads the script
                val before = evalshas()
                store.tryConsumeAll(request, 0).all { it.allowed } shouldBe true
                evalshas() - before shouldBe 1
                store.tryConsumeAll(request, 0).map { it.allowed } shouldBe listOf(false, true)
                store.inspect("global", ceiling, 0, 0).remaining shouldBe 98
            }
        }
    }
})
