package dev.limiter.redis

import dev.limiter.BucketRequest
import dev.limiter.BucketSnapshot
import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.lettuce.core.cluster.SlotHash
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import java.time.Duration

/**
 * A `global` ceiling over per-key limits, shared by three stores ("nodes") over one Redis:
 * the ceiling admits exactly its limit, no key exceeds its own, and no key is charged for a
 * request the ceiling refused — in one script on standalone Redis, and with per-slot scripts
 * and refunds on a 3-master Cluster. Time is Redis `TIME`; refill is one permit a day, so
 * nothing comes back while a test runs.
 */
class CeilingSpec : FunSpec({
    val perKey = LimitPolicy.tokenBucket(10, Rate.perDay(1)).named("free")
    val ceiling = LimitPolicy.tokenBucket(100, Rate.perDay(1)).named("global")
    val keys = (0 until 30).map { "developer-$it" }

    suspend fun hammer(uri: String) {
        val options = SharedRedis.isolatedOptions()
        val nodes = (1..3).map { RedisBucketStore.connect(uri, options) }
        try {
            // 3 nodes x 30 keys x 4 callers x 4 requests = 1,440 attempts for 100 permits.
            val admitted = coroutineScope {
                keys.associateWith { key ->
                    nodes.flatMap { node ->
                        (1..4).map {
                            async(Dispatchers.Default) {
                                (1..4).count {
                                    node.tryConsumeAll(listOf(BucketRequest(key, perKey, 1), BucketRequest("global", ceiling, 1)), 0)
                                        .all { it.allowed }
                                }
                            }
                        }
                    }
                }.mapValues { (_, counts) -> counts.awaitAll().sum() }
            }
            admitted.values.sum() shouldBe 100
            val store = nodes.first()
            for (key in keys) {
                admitted.getValue(key) shouldBeLessThanOrEqualTo 10
                // Charged exactly for the requests admitted: nothing for the ceiling's refusals.
                val charged = 10 - store.inspect(key, perKey, 0, 0).remaining
                Pair(key, charged) shouldBe Pair(key, admitted.getValue(key).toLong())
            }
            store.inspect("global", ceiling, 0, 0).remaining shouldBe 0
        } finally {
            nodes.forEach { it.close() }
        }
    }

    test("standalone: exactly 100 admitted, no key over 10, no key charged for a ceiling refusal") {
        hammer(RedisHarness.uri)
    }

    test("3-master cluster: exactly 100 admitted, no key over 10, no key charged for a ceiling refusal") {
        hammer(RedisHarness.cluster.uri)
    }

    context("3-master cluster: a level in another slot gets back exactly what it was charged when the ceiling refuses") {
        val t0 = 1_767_225_600_123_456L
        val day = Duration.ofDays(1)
        for (algorithm in Algorithm.entries) {
            test(algorithm.id) {
                val options = SharedRedis.isolatedOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT).withDenyCacheSize(0)
                RedisBucketStore.connect(RedisHarness.cluster.uri, options).use { store ->
                    val level = LimitPolicy.of(algorithm, 10, if (algorithm.id.contains("window")) Rate.of(10, day) else Rate.perDay(1)).named("level")
                    val tight = LimitPolicy.tokenBucket(1, Rate.perDay(1)).named("global")
                    val key = keys.first { SlotHash.getSlot(store.stateKey(it, level)) != SlotHash.getSlot(store.stateKey("global", tight)) }
                    store.tryConsume(key, level, 3, t0).allowed shouldBe true
                    store.tryConsume("global", tight, 1, t0).allowed shouldBe true
                    val before: BucketSnapshot = store.inspect(key, level, 1, t0)
                    val decisions = store.tryConsumeAll(listOf(BucketRequest(key, level, 2), BucketRequest("global", tight, 1)), t0)
                    decisions.map { it.allowed } shouldBe listOf(true, false)
                    store.inspect(key, level, 1, t0) shouldBe before
                    before.remaining shouldNotBe 10L
                }
            }
        }
    }
})
