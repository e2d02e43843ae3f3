package dev.limiter.redis

import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import io.lettuce.core.api.sync.RedisCommands
import dev.limiter.redis.harness.RedisHarness

/** Keys known to be over their limit are answered on this node, without a round trip. */
class DenyCacheSpec : FunSpec({
    val server = RedisHarness.startServer()
    val client = RedisClient.create(server.uri)
    val sync: RedisCommands<String, String> = client.connect().sync()
    val policy = LimitPolicy.tokenBucket(2, Rate.perSecond(1))
    val t0 = 1_767_225_600_000_000L
    afterSpec {
        client.shutdown()
        server.stop()
    }

    fun evalshaCalls(): Long = sync.info("commandstats").lines().firstOrNull { it.startsWith("cmdstat_evalsha:") }
        ?.substringAfter("calls=")?.substringBefore(',')?.toLong() ?: 0

    fun store(cacheSize: Int) = RedisBucketStore.connect(
        server.uri,
        RedisStoreOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT).withDenyCacheSize(cacheSize)
            .withKeyPrefix("cache$cacheSize"),
    )

    test("an abusive client's retries before its retryAfter never reach Redis") {
        store(100).use { store ->
            store.tryConsume("abuser", policy, 2, t0)
            val first = store.tryConsume("abuser", policy, 1, t0)
            first.retryAfter.toMillis() shouldBe 1_000
            sync.configResetstat()
            repeat(1_000) { i ->
                val again = store.tryConsume("abuser", policy, 1, t0 + i * 100L)
                again.allowed shouldBe false
                again.reason shouldBe DenyReason.LIMITED
                again.retryAfter.toNanos() / 1_000 shouldBe 1_000_000 - i * 100L
            }
            evalshaCalls() shouldBe 0
            store.tryConsume("abuser", policy, 1, t0 + 1_000_000).allowed shouldBe true
            evalshaCalls() shouldBe 1
        }
    }

    test("a cheaper request than the denied one still asks Redis, and may be granted") {
        store(100).use { store ->
            store.tryConsume("mixed", policy, 1, t0)
            store.tryConsume("mixed", policy, 2, t0).allowed shouldBe false
            store.tryConsume("mixed", policy, 1, t0).allowed shouldBe true
        }
    }

    test("reset forgets the cached denial on this node") {
        store(100).use { store ->
            store.tryConsume("reset", policy, 2, t0)
            store.tryConsume("reset", policy, 1, t0).allowed shouldBe false
            store.reset("reset", policy)
            store.tryConsume("reset", policy, 1, t0).allowed shouldBe true
        }
    }

    test("the cache holds at most its size, and a size of 0 turns it off") {
        store(10).use { store ->
            repeat(50) { store.tryConsume("k$it", policy, 2, t0); store.tryConsume("k$it", policy, 1, t0) }
            store.denyCacheSize shouldBe 10
        }
        store(0).use { store ->
            store.tryConsume("off", policy, 2, t0)
            sync.configResetstat()
            repeat(10) { store.tryConsume("off", policy, 1, t0).allowed shouldBe false }
            evalshaCalls() shouldBe 10
        }
    }
})
