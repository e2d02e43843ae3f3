package dev.limiter.redis

import dev.limiter.Caller
import dev.limiter.RateLimits
import dev.limiter.config.LimitsConfig
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope

/**
 * The engine itself, three times over one Redis: three `RateLimits` (three "nodes", each with
 * its own store and connections) on a config with 10 per key and a `global` ceiling of 100,
 * hammered by 30 keys. Exactly 100 requests are admitted, no key gets more than 10, and no
 * key is charged for a request the ceiling refused: on standalone Redis and on the real
 * 3-master cluster. Refill is one permit a day, so nothing comes back while the test runs.
 */
class EngineCeilingSpec : FunSpec({
    val config = LimitsConfig.parse(
        """
        policies:
          free: { algorithm: token-bucket, capacity: 10, refill: 1/d }
        default-policy: free
        global: { algorithm: token-bucket, capacity: 100, refill: 1/d }
        """.trimIndent(),
    )
    val free = config.policies.getValue("free")
    val keys = (0 until 30).map { "developer-$it" }

    suspend fun hammer(uri: String) {
        val options = SharedRedis.isolatedOptions() // one key space, shared by the three nodes
        val stores = (1..3).map { RedisBucketStore.connect(uri, options) }
        val engines = stores.map { RateLimits.builder(config).store(it).build() }
        try {
            // 3 engines x 30 keys x 4 callers x 4 requests = 1,440 checks for 100 permits.
            val admitted = coroutineScope {
                keys.associateWith { key ->
                    engines.flatMap { engine ->
                        (1..4).map { async(Dispatchers.Default) { (1..4).count { engine.check(key).allowed } } }
                    }
                }.mapValues { (_, counts) -> counts.awaitAll().sum() }
            }
            admitted.values.sum() shouldBe 100
            for (key in keys) {
                admitted.getValue(key) shouldBeLessThanOrEqualTo 10
                // What the key's own bucket has left shows what it was charged: only its admitted requests.
                val left = stores.first().inspect(Caller.apiKey(key).bucketKey, free, 0, 0).remaining
                Pair(key, 10 - left) shouldBe Pair(key, admitted.getValue(key).toLong())
            }
        } finally {
            engines.forEach { it.close() }
            stores.forEach { it.close() }
        }
    }

    test("three engines on standalone Redis: exactly 100 admitted, no key over 10, none charged for a ceiling refusal") {
        hammer(RedisHarness.uri)
    }

    test("three engines on the 3-master cluster: exactly 100 admitted, no key over 10, none charged for a ceiling refusal") {
        hammer(RedisHarness.cluster.uri)
    }
})
