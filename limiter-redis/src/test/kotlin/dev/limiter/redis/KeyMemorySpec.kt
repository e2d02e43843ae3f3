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
        // docs/redis.md's table: MEMORY USAGE per bucket, and the keys each bucket takes.
        val documented = mapOf(
            Algorithm.TOKEN_BUCKET to (110L to 1),
            Algorithm.GCRA to (79L to 1),
            Algorithm.LEAKY_BUCKET to (108L to 1),
            Algorithm.FIXED_WINDOW to (99L to 1),
            Algorithm.SLIDING_WINDOW_COUNTER to (101L to 1),
            Algorithm.SLIDING_WINDOW_LOG to (262L to 2),
        )
        for ((algorithm, policy) in policies) {
            val (bytes, keysPerBucket) = documented.getValue(algorithm)
            test("a ${algorithm.id} bucket costs at most the $bytes bytes in $keysPerBucket key(s) that docs/redis.md says") {
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
                    keys.size shouldBe population * keysPerBucket
                    perKeyUsage shouldBeLessThanOrEqualTo bytes
                } finally {
                    store.close()
                }
            }
        }
    }

    test("every key written carries a TTL that ends when its bucket is at rest") {
        sync.flushall()
        // 40 permits an hour, one taken: at rest 90 s later, so no key can expire while checked.
        val store = RedisBucketStore.connect(server.uri, RedisStoreOptions().withTtlSlack(Duration.ZERO))
        try {
            fill(store, LimitPolicy.tokenBucket(40, Rate.perHour(40)))
            val ttls = SharedRedis.keys(sync, "limiter").map { sync.pttl(it) }
            ttls.size shouldBe population
            // -1 (no expiry) or -2 (gone) fail here; so does a TTL longer than the time to rest.
            ttls.count { it in 1L..90_000L } shouldBe population
        } finally {
            store.close()
        }
    }

    test("12,000 keys that go idle are all gone from Redis after their TTL") {
        sync.flushall()
        // At rest 100 ms after the last request; no slack: the TTL is exactly the time to rest.
        val store = RedisBucketStore.connect(server.uri, RedisStoreOptions().withTtlSlack(Duration.ZERO))
        try {
            fill(store, LimitPolicy.tokenBucket(40, Rate.perSecond(10)))
            // Redis expires keys on its own clock: what is asserted is that they all go, the
            // deadline only ends a failing run. Expired keys still count in DBSIZE until Redis's
            // background cycle has deleted them.
            var waited = 0
            while (sync.dbsize() > 0 && waited < 30_000) {
                delay(50)
                waited += 50
            }
            sync.dbsize() shouldBe 0L
        } finally {
            store.close()
        }
    }
})
