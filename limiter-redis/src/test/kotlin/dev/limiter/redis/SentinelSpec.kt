package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

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
})
