package dev.limiter.bench

import dev.limiter.RateLimits
import dev.limiter.config.LimitsConfig
import dev.limiter.config.PublishResult
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.configStore
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking

/**
 * A config of [keys] key assignments, parsed and validated, published to Redis and applied by
 * three nodes (three engines, each with its own connections, following a `RedisConfigStore`),
 * over a real Redis server: `java -cp … dev.limiter.bench.LargeConfigBench [keys] [rounds]`.
 *
 * Each round publishes a config that differs from the last (the tiers' capacities), and
 * measures on the publisher the parse and validation alone, the publish (parse, validation and
 * the compare-and-publish script), and the time from the start of the publish until every
 * node enforces the new version (notice, read, parse, swap), polled every millisecond.
 */
object LargeConfigBench {
    /** One round's figures, in milliseconds. */
    class Round(val parseMillis: Double, val publishMillis: Double, val appliedEverywhereMillis: Double)

    /** A config assigning [keys] developer keys to three tiers, the free tier's capacity [capacity]. */
    fun yaml(keys: Int, capacity: Int): String = buildString {
        append("policies:\n")
        append("  free:  { algorithm: token-bucket, capacity: $capacity, refill: 10/s }\n")
        append("  pro:   { algorithm: token-bucket, capacity: 400, refill: 100/s }\n")
        append("  team:  { algorithm: gcra, rate: 50/s, burst: 100 }\n")
        append("default-policy: free\n")
        if (keys > 0) append("keys:\n")
        val tiers = arrayOf("free", "pro", "team")
        for (i in 0 until keys) append("  dev-").append(i).append(": ").append(tiers[i % 3]).append('\n')
    }

    @JvmStatic
    fun run(keys: Int, rounds: Int): List<Round> {
        EmbeddedRedis.start().use { redis ->
            val stores = List(3) { RedisBucketStore.connect(redis.uri()) }
            val configs = stores.map { it.configStore() }
            val engines = stores.map { RateLimits(LimitsConfig.parse(yaml(0, 1)), it) }
            val follows = engines.zip(configs).map { (engine, config) -> engine.follow(config) }
            try {
                return runBlocking {
                    var expected: Long? = null
                    (1..rounds + 1).map { round ->
                        val capacity = 40 + round
                        val text = yaml(keys, capacity)
                        val parseStart = System.nanoTime()
                        LimitsConfig.parse(text)
                        val parsed = System.nanoTime()
                        val result = configs[0].publish(text, expected, "bench") as PublishResult.Published
                        val published = System.nanoTime()
                        expected = result.published.version
                        while (engines.any { it.config.policies.getValue("free").capacity != capacity.toLong() || it.config.keys.size != keys }) delay(1)
                        val applied = System.nanoTime()
                        Round((parsed - parseStart) / 1e6, (published - parsed) / 1e6, (applied - parsed) / 1e6)
                    }.drop(1) // the first round warms the JIT
                }
            } finally {
                follows.forEach { it.close() }
                engines.forEach { it.close() }
                configs.forEach { it.close() }
                stores.forEach { it.close() }
            }
        }
    }

    @JvmStatic
    fun main(args: Array<String>) {
        val keys = args.getOrNull(0)?.toInt() ?: 10_000
        val rounds = args.getOrNull(1)?.toInt() ?: 10
        print(keys, run(keys, rounds))
    }

    /** Prints the median and worst of [results]. */
    @JvmStatic
    fun print(keys: Int, results: List<Round>) {
        fun line(name: String, pick: (Round) -> Double) {
            val sorted = results.map(pick).sorted()
            println("%-38s median %8.1f ms   max %8.1f ms".format(name, sorted[sorted.size / 2], sorted.last()))
        }
        println("config of $keys key assignments, ${results.size} rounds, 3 nodes on one Redis")
        line("parse + validate (publisher)", Round::parseMillis)
        line("publish (parse, validate, script)", Round::publishMillis)
        line("publish start -> all 3 nodes enforce", Round::appliedEverywhereMillis)
    }
}
