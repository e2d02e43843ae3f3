package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import io.lettuce.core.api.sync.RedisCommands
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import java.time.Duration

/**
 * Redis memory per active key for the seed service's population of 12,000 keys, and the
 * keys' disappearance once idle. Runs on a Redis server of its own so that `INFO memory` and
 * `DBSIZE` see nothing else. Prints the table that docs/redis.md quotes.
 */
class KeyMemorySpec : FunSpec({
    val population = 12_000
    val server = RedisHarness.startServer()
    val client = RedisClient.create(server.uri)
    val sync: RedisCommands<String, String> = client.connect().sync()
    afterSpec {
        client.shutdown()
        server.stop()
    }

    fun usedMemory(): Long = sync.info("memory").lines().first { it.startsWith("used_memory:") }.substringAfter(':').trim().toLong()

    suspend fun fill(store: RedisBucketStore, policy: LimitPolicy) = coroutineScope {
        (0 until population).chunked(500).forEach { chunk ->
            chunk.map { async { store.tryConsume("developer-$it", policy, 1, 0).allowed shouldBe true } }.awaitAll()
        }
    }

    context("memory per active key, key name included, for 12,000 keys") {
        // Refill of one permit an hour: every key stays active while it is measured.
        val policies = mapOf(
            Algorithm.TOKEN_BUCKET to LimitPolicy.tokenBucket(40, Rate.perHour(1)),
            Algorithm.GCRA to LimitPolicy.gcra(Rate.perHour(1), 40),
            Algorithm.LEAKY_BUCKET to LimitPolicy.leakyBucket(40, Rate.perHour(1)),
            Algorithm.FIXED_WINDOW to LimitPolicy.fixedWindow(40, Duration.ofHours(1)),
            Algorithm.SLIDING_WINDOW_COUNTER to LimitPolicy.slidingWindowCounter(40, Duration.ofHours(1)),
            Algorithm.SLIDING_WINDOW_LOG to LimitPolicy.slidingWindowLog(40, Duration.ofHours(1)),
        )
        val budget = mapOf(Algorithm.TOKEN_BUCKET to 120L, Algorithm.GCRA to 120L)
        for ((algorithm, policy) in policies) {
            test("a ${algorithm.id} key costs ${budget[algorithm]?.let { "at most $it bytes" } ?: "what the table says"}") {
                sync.flushall()
                val store = RedisBucketStore.connect(server.uri)
                try {
                    val before = usedMemory()
                    fill(store, policy)
                    val perKeyInfo = (usedMemory() - before) / population
                    val keys = SharedRedis.keys(sync, "limiter")
                    val perKeyUsage = keys.sumOf { sync.memoryUsage(it) } / population
                    val sample = keys.first()
                    println(
                        "MEMORY ${algorithm.id}: MEMORY USAGE ${perKeyUsage} B/key, INFO used_memory ${perKeyInfo} B/key, " +
                            "${keys.size / population} key(s) per bucket, e.g. '$sample' = " +
                            if (sync.type(sample) == "string") "'${sync.get(sample)}'" else "${sync.lrange(sample, 0, -1)}",
                    )
                    budget[algorithm]?.let { perKeyUsage shouldBeLessThanOrEqualTo it }
                } finally {
                    store.close()
                }
            }
        }
    }

    test("12,000 keys that go idle are all gone from Redis after their TTL") {
        sync.flushall()
        // At rest 100 ms after the last request; no slack: the TTL is exactly the time to rest.
        val store = RedisBucketStore.connect(server.uri, RedisStoreOptions().withTtlSlack(Duration.ZERO))
        try {
            fill(store, LimitPolicy.tokenBucket(40, Rate.perSecond(10)))
            sync.dbsize() shouldBeLessThanOrEqualTo population.toLong()
            sync.pttl(SharedRedis.keys(sync, "limiter").first()) shouldBeLessThanOrEqualTo 100L
            // Redis deletes expired keys in the background; DBSIZE counts them until it has.
            var waited = 0
            while (sync.dbsize() > 0 && waited < 10_000) {
                delay(50)
                waited += 50
            }
            sync.dbsize() shouldBe 0L
        } finally {
            store.close()
        }
    }
})
