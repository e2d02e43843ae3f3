package dev.limiter.redis

import dev.limiter.BucketRequest
import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import io.lettuce.core.event.command.CommandListener
import io.lettuce.core.event.command.CommandStartedEvent
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.coroutineScope
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicLong
import kotlin.random.Random

/**
 * Every level of a request in one script on standalone Redis: one `EVALSHA`, all levels
 * charged or none, under any concurrency. Runs on a Redis server of its own so that
 * `INFO commandstats` counts nothing else.
 */
class MultiLevelStoreSpec : FunSpec({
    val server = RedisHarness.startServer()
    val client = RedisClient.create(server.uri)
    val evalshas = AtomicLong()
    client.addListener(object : CommandListener {
        override fun commandStarted(event: CommandStartedEvent) {
            if (event.command.type.toString() == "EVALSHA") evalshas.incrementAndGet()
        }
    })
    val sync = client.connect().sync()
    val t0 = 1_767_225_600_000_000L
    afterSpec {
        client.shutdown()
        server.stop()
    }

    fun redisEvalshaCalls(): Long = sync.info("commandstats").lines().firstOrNull { it.startsWith("cmdstat_evalsha:") }
        ?.substringAfter("calls=")?.substringBefore(',')?.toLong() ?: 0

    fun store(prefix: String) = RedisBucketStore.of(
        client, RedisStoreOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT).withKeyPrefix(prefix),
    )

    val perKey = LimitPolicy.tokenBucket(10, Rate.perHour(1)).named("free")
    val ceiling = LimitPolicy.tokenBucket(100, Rate.perHour(1)).named("global")

    test("a request with a ceiling is exactly one EVALSHA, counted by the client and by Redis INFO commandstats") {
        store("one").use { store ->
            val request = listOf(BucketRequest("dev-1", perKey, 1), BucketRequest("global", ceiling, 1))
            store.tryConsumeAll(request, t0) // the first call on a fresh server loads the script
            val before = redisEvalshaCalls()
            evalshas.set(0)
            val decisions = store.tryConsumeAll(request, t0)
            evalshas.get() shouldBe 1
            redisEvalshaCalls() - before shouldBe 1
            decisions.map { it.remaining } shouldBe listOf(8L, 98L)
        }
    }

    // Levels of every algorithm; no refill while a test runs (client time stands still).
    val levelPolicies = listOf(
        LimitPolicy.tokenBucket(7, Rate.perHour(1)).named("key"),
        LimitPolicy.fixedWindow(20, Duration.ofHours(1)).named("address"),
        LimitPolicy.slidingWindowLog(40, Duration.ofHours(1)).named("endpoint"),
        LimitPolicy.gcra(Rate.perHour(1), 60).named("global"),
    )
    val extraPolicies = listOf(
        LimitPolicy.leakyBucket(9, Rate.perHour(1)).named("key-leaky"),
        LimitPolicy.slidingWindowCounter(25, Duration.ofHours(1)).named("address-counter"),
    )

    for (levels in 2..4) {
        for (policies in listOf(levelPolicies, extraPolicies + levelPolicies.drop(2))) {
            val chosen = policies.take(levels - 1) + levelPolicies.last()
            test("$levels levels (${chosen.joinToString { it.algorithm.id }}) under 8 threads and 1,000 coroutines: no level is charged without the others") {
                val prefix = "all$levels-${chosen.first().name}"
                store(prefix).use { store ->
                    // The bucket each level of request i uses: 30 keys, 6 addresses, 3 endpoints, one ceiling.
                    fun bucketOf(level: Int, i: Int): String = when (level) {
                        0 -> "key-${i % 30}"
                        levels - 1 -> "global"
                        1 -> "address-${i % 6}"
                        else -> "endpoint-${i % 3}"
                    }
                    val admitted = ConcurrentHashMap<Pair<Int, String>, AtomicLong>()
                    val threads = Executors.newFixedThreadPool(8)
                    try {
                        withContext(threads.asCoroutineDispatcher()) {
                            coroutineScope {
                                repeat(1_000) { c ->
                                    launch {
                                        repeat(3) { n ->
                                            val i = c * 3 + n
                                            val permits = 1L + (i % 2)
                                            val request = chosen.indices.map { BucketRequest(bucketOf(it, i), chosen[it], permits) }
                                            val decisions = store.tryConsumeAll(request, t0)
                                            if (decisions.all { it.allowed }) {
                                                for (level in chosen.indices) {
                                                    admitted.getOrPut(level to bucketOf(level, i)) { AtomicLong() }.addAndGet(permits)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    } finally {
                        threads.shutdown()
                    }
                    val total = admitted.filterKeys { it.first == levels - 1 }.values.sumOf { it.get() }
                    (total > 0) shouldBe true
                    for (level in chosen.indices) {
                        val buckets = (0 until 3_000).map { bucketOf(level, it) }.toSet()
                        for (bucket in buckets) {
                            val policy = chosen[level]
                            val charged = policy.capacity - store.inspect(bucket, policy, 0, t0).remaining
                            Pair(bucket, charged) shouldBe Pair(bucket, admitted[level to bucket]?.get() ?: 0L)
                        }
                    }
                }
            }
        }
    }

    test("concurrent requests share script calls, each still decided on its own: exactly the capacity is admitted") {
        store("batched").use { store ->
            val policy = LimitPolicy.tokenBucket(100, Rate.perHour(1)).named("batched")
            evalshas.set(0)
            val admitted = coroutineScope {
                (1..1_000).map { i ->
                    async(Dispatchers.Default) {
                        store.tryConsumeAll(listOf(BucketRequest("dev-${i % 2}", perKey, 1), BucketRequest("shared", policy, 1)), t0)
                            .all { it.allowed }
                    }
                }.awaitAll().count { it }
            }
            admitted shouldBe 20
            store.inspect("shared", policy, 0, t0).remaining shouldBe 80
            (evalshas.get() < 1_000) shouldBe true
        }
    }

    test("four levels at once: the refusing level is named by its decision and nothing is charged anywhere") {
        store("four").use { store ->
            val request = levelPolicies.mapIndexed { i, p -> BucketRequest(listOf("dev-1", "203.0.113.7", "GET /search", "global")[i], p, 1) }
            // Exhaust the address level only.
            store.tryConsume("203.0.113.7", levelPolicies[1], 20, t0).allowed shouldBe true
            val before = request.map { store.inspect(it.key, it.policy, 0, t0).remaining }
            val decisions = store.tryConsumeAll(request, t0)
            decisions.map { it.allowed } shouldBe listOf(true, false, true, true)
            request.map { store.inspect(it.key, it.policy, 0, t0).remaining } shouldBe before
        }
    }

    test("a bucket named by two levels is asked for both levels' permits together") {
        store("twice").use { store ->
            val twice = listOf(BucketRequest("dev-1", perKey, 4), BucketRequest("dev-1", perKey, 4))
            store.tryConsumeAll(twice, t0).all { it.allowed } shouldBe true
            store.inspect("dev-1", perKey, 0, t0).remaining shouldBe 2
            store.tryConsumeAll(twice.map { it.copy(permits = 2) }, t0).map { it.allowed } shouldBe listOf(true, false)
            store.inspect("dev-1", perKey, 0, t0).remaining shouldBe 2
            shouldThrow<IllegalArgumentException> { store.tryConsumeAll(twice.map { it.copy(permits = 6) }, t0) }
        }
    }

    test("a cached denial of one level answers the whole request without a round trip") {
        store("cached").use { store ->
            val request = listOf(BucketRequest("dev-2", perKey, 1), BucketRequest("global", ceiling, 1))
            store.tryConsume("dev-2", perKey, 10, t0)
            store.tryConsumeAll(request, t0).first().allowed shouldBe false
            evalshas.set(0)
            val again = store.tryConsumeAll(request, t0 + 1_000)
            evalshas.get() shouldBe 0
            again[0].allowed shouldBe false
            store.inspect("global", ceiling, 0, t0).remaining shouldBe 100
        }
    }

    context("a named policy keeps its bucket when its numbers change, and never gains a permit by it") {
        val random = Random(13)
        for (algorithm in Algorithm.entries) {
            test(algorithm.id) {
                store("renumbered-${algorithm.id}").use { store ->
                    repeat(20) { round ->
                        val key = "dev-$round"
                        fun policy(capacity: Long, seconds: Long): LimitPolicy =
                            LimitPolicy.of(algorithm, capacity, Rate.of(if (algorithm.id.contains("window")) capacity else 1, Duration.ofSeconds(seconds))).named("tier")
                        val before = policy(random.nextLong(2, 30), random.nextLong(60, 7_200))
                        val after = policy(random.nextLong(1, 30), random.nextLong(60, 7_200))
                        store.tryConsume(key, before, random.nextLong(1, before.capacity + 1), t0)
                        val left = store.inspect(key, before, 0, t0 + 1).remaining
                        val now = store.inspect(key, after, 0, t0 + 1).remaining
                        // The log holds the requests themselves: they count against the new limit as they are.
                        val expected = if (algorithm == Algorithm.SLIDING_WINDOW_LOG) {
                            (after.capacity - (before.capacity - left)).coerceIn(0, after.capacity)
                        } else {
                            minOf(left, after.capacity)
                        }
                        Triple(before, after, now) shouldBe Triple(before, after, expected)
                    }
                }
            }
        }
    }
})
