package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.Rate
import dev.limiter.RateLimiter
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveAtLeastSize
import io.kotest.matchers.shouldBe
import io.lettuce.core.cluster.SlotHash
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import java.time.Duration

/**
 * Three limiter instances ("nodes"), each with its own connection, share one quota in Redis:
 * hammered concurrently, they admit exactly what the bucket allows, no more, no less.
 *
 * Refill is one permit a day, so over the test's second nothing comes back and the exact
 * count is the capacity. Time is Redis `TIME`, as in production.
 */
class SharedQuotaSpec : FunSpec({
    val day = Duration.ofDays(1)

    fun policy(algorithm: Algorithm, capacity: Long = 300): LimitPolicy =
        if (algorithm.id.contains("window")) LimitPolicy.of(algorithm, capacity, Rate.of(capacity, day))
        else LimitPolicy.of(algorithm, capacity, Rate.perDay(1))

    /** Each of three nodes runs 8 coroutines of [attempts] requests on each key; returns the admitted count per key. */
    suspend fun hammer(uri: String, policy: LimitPolicy, keys: List<String>, attempts: Int): Map<String, Int> {
        val options = SharedRedis.isolatedOptions()
        val nodes = (1..3).map { RedisBucketStore.connect(uri, options) }
        try {
            val limiters = nodes.map { RateLimiter(policy, it) }
            return coroutineScope {
                keys.associateWith { key ->
                    limiters.flatMap { limiter ->
                        (1..8).map { async(Dispatchers.Default) { (1..attempts).count { limiter.tryAcquire(key).allowed } } }
                    }
                }.mapValues { (_, counts) -> counts.awaitAll().sum() }
            }
        } finally {
            nodes.forEach { it.close() }
        }
    }

    context("standalone Redis") {
        for (algorithm in Algorithm.entries) {
            test("three nodes admit exactly the ${algorithm.id} capacity between them") {
                // 3 nodes x 8 callers x 20 requests = 480 attempts on a capacity of 300.
                hammer(RedisHarness.uri, policy(algorithm), listOf("shared"), attempts = 20) shouldBe mapOf("shared" to 300)
            }
        }
    }

    context("a 3-master Redis Cluster") {
        // Keys chosen to land on every master, so the test covers each node's script cache.
        val keys = (0 until 12).map { "developer-$it" }

        test("the keys spread over the masters' slot ranges") {
            val store = SharedRedis.clientTimeStore()
            val slots = keys.map { SlotHash.getSlot(store.stateKey(it, policy(Algorithm.TOKEN_BUCKET))) }
            slots.map { it * 3 / 16_384 }.toSet() shouldHaveAtLeastSize 3
        }

        for (algorithm in Algorithm.entries) {
            test("three nodes admit exactly the ${algorithm.id} capacity of every key between them") {
                // 3 nodes x 8 callers x 2 requests = 48 attempts per key on a capacity of 30.
                val admitted = hammer(RedisHarness.cluster.uri, policy(algorithm, capacity = 30), keys, attempts = 2)
                admitted shouldBe keys.associateWith { 30 }
            }
        }
    }
})
