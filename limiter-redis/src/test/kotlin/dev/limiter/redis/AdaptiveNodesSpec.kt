package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import io.lettuce.core.RedisURI

/**
 * Two nodes share one real Redis and one named policy, `free`, with different adaptive
 * factors: node A at 1 (capacity 100), node B at 0.5 (its `free` scaled to 50), as
 * `scalePolicy` builds it. The rule (docs/adaptive.md): each node scales by its own factor and
 * the nodes share the key's bucket (a named policy's bucket is its name and algorithm), so
 *
 * - node B never admits more than its own scaled limit, whatever node A does;
 * - together they never admit more than the loosest node's limit, and never less than the
 *   strictest one's.
 *
 * Time is the client's, frozen, so nothing refills and the counts are exact bounds.
 *
 * It relies on the Redis store identifying a named policy's keys by name and algorithm: with
 * keys built from the numbers, A and B would use different keys and admit 150 between them.
 */
class AdaptiveNodesSpec : FunSpec({
    val now = 1_800_000_000_000_000L

    fun free(algorithm: Algorithm, capacity: Long): LimitPolicy =
        if (algorithm.id.contains("window")) LimitPolicy.of(algorithm, capacity, Rate.perDay(capacity)).named("free")
        else LimitPolicy.of(algorithm, capacity, Rate.perDay(capacity / 10)).named("free")

    suspend fun twoNodes(block: suspend (RedisBucketStore, RedisBucketStore) -> Unit) {
        val options = SharedRedis.isolatedOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT)
        val client = RedisClient.create(RedisURI.create(RedisHarness.uri))
        val (a, b) = client.connect() to client.connect()
        try {
            block(RedisBucketStore.of(a, options), RedisBucketStore.of(b, options))
        } finally {
            a.close(); b.close(); client.shutdown()
        }
    }

    for (algorithm in Algorithm.entries) {
        val full = free(algorithm, 100)
        val half = free(algorithm, 50)

        test("${algorithm.id}: alternating requests, node B at factor 0.5 admits at most 50 and both at most 100")
             {
                twoNodes { nodeA, nodeB ->
                    var admittedA = 0
                    var admittedB = 0
                    repeat(200) {
                        if (nodeA.tryConsume("dev-7", full, 1, now).allowed) admittedA++
                        if (nodeB.tryConsume("dev-7", half, 1, now).allowed) admittedB++
                    }
                    withClue("A admitted $admittedA, B admitted $admittedB") {
                        (admittedB <= 50) shouldBe true
                        (admittedA + admittedB in 50..100) shouldBe true
                    }
                }
            }

        test("${algorithm.id}: node B floods first and stops at 50; node A then takes no more than the rest of 100")
             {
                twoNodes { nodeA, nodeB ->
                    val admittedB = (1..200).count { nodeB.tryConsume("dev-8", half, 1, now).allowed }
                    val admittedA = (1..200).count { nodeA.tryConsume("dev-8", full, 1, now).allowed }
                    withClue("A admitted $admittedA, B admitted $admittedB") {
                        admittedB shouldBe 50
                        (admittedA + admittedB <= 100) shouldBe true
                        nodeB.tryConsume("dev-8", half, 1, now).allowed shouldBe false
                    }
                }
            }
    }
})

/** Flip to true once the Redis store keys a named policy's buckets by name and algorithm. */
