package dev.limiter

import dev.limiter.LimitPolicy.Algorithm
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import java.time.Duration

/**
 * The suite every [BucketStore] must pass: every algorithm, edge values, concurrency,
 * eviction of idle buckets and inspection.
 *
 * A backend proves itself by extending this spec with a factory for a fresh, empty store
 * that uses the `nowMicros` it is given (not a clock of its own), and the two hooks below.
 */
public abstract class BucketStoreContract(
    newStore: suspend () -> BucketStore,
    /** Makes the store drop what has gone idle by [nowMicros] (a sweep, or waiting out TTLs). */
    forgetIdle: suspend (store: BucketStore, nowMicros: Long) -> Unit,
    /** Returns how many buckets the store holds. */
    bucketCount: suspend (store: BucketStore) -> Long,
) : FunSpec({

    // 2026-01-01T00:00:00.1Z: 100 ms into an aligned second.
    val t0 = 1_767_225_600_100_000L
    val second = Duration.ofSeconds(1)

    fun policyFor(algorithm: Algorithm): LimitPolicy = when (algorithm) {
        Algorithm.TOKEN_BUCKET -> LimitPolicy.tokenBucket(4, Rate.perSecond(4))
        Algorithm.LEAKY_BUCKET -> LimitPolicy.leakyBucket(4, Rate.perSecond(4))
        Algorithm.FIXED_WINDOW -> LimitPolicy.fixedWindow(4, second)
        Algorithm.SLIDING_WINDOW_LOG -> LimitPolicy.slidingWindowLog(4, second)
        Algorithm.SLIDING_WINDOW_COUNTER -> LimitPolicy.slidingWindowCounter(4, second)
        Algorithm.GCRA -> LimitPolicy.gcra(Rate.perSecond(4), 4)
    }

    // The wait after taking all 4 permits at t0, and the time until the bucket is at rest again.
    val exhaustedRetry = mapOf(
        Algorithm.TOKEN_BUCKET to 250_000L, Algorithm.LEAKY_BUCKET to 250_000L, Algorithm.GCRA to 250_000L,
        Algorithm.FIXED_WINDOW to 900_000L, Algorithm.SLIDING_WINDOW_LOG to 1_000_000L,
        Algorithm.SLIDING_WINDOW_COUNTER to 1_149_001L,
    )
    val exhaustedReset = mapOf(
        Algorithm.TOKEN_BUCKET to 1_000_000L, Algorithm.LEAKY_BUCKET to 1_000_000L, Algorithm.GCRA to 1_000_000L,
        Algorithm.FIXED_WINDOW to 900_000L, Algorithm.SLIDING_WINDOW_LOG to 1_000_000L,
        Algorithm.SLIDING_WINDOW_COUNTER to 1_899_001L,
    )

    for (algorithm in Algorithm.entries) {
        val policy = policyFor(algorithm)

        context(algorithm.id) {
            test("a new key finds its bucket full") {
                val snapshot = newStore().inspect("fresh", policy, 1, t0)
                snapshot.remaining shouldBe 4
                snapshot.tokens shouldBe 4.0
                snapshot.limit shouldBe 4
                snapshot.retryAfterMicros shouldBe 0
                snapshot.resetAfterMicros shouldBe 0
            }

            test("the whole capacity can be taken at once, and not a permit more") {
                val store = newStore()
                val all = store.tryConsume("k", policy, 4, t0)
                all.allowed shouldBe true
                all.remaining shouldBe 0
                all.limit shouldBe 4
                all.retryAfterMicros shouldBe 0
                all.resetAfterMicros shouldBe exhaustedReset[algorithm]
                val more = store.tryConsume("k", policy, 1, t0)
                more.allowed shouldBe false
                more.reason shouldBe DenyReason.LIMITED
                more.key shouldBe "k"
                more.retryAfterMicros shouldBe exhaustedRetry[algorithm]
            }

            test("a denied request is granted exactly at its retryAfter, not a microsecond before") {
                val store = newStore()
                store.tryConsume("k", policy, 4, t0)
                val wait = exhaustedRetry.getValue(algorithm)
                store.tryConsume("k", policy, 1, t0 + wait - 1).allowed shouldBe false
                store.tryConsume("k", policy, 1, t0 + wait).allowed shouldBe true
            }

            test("inspecting consumes nothing and reports the wait for the permits asked about") {
                val store = newStore()
                store.tryConsume("k", policy, 3, t0)
                repeat(3) { store.inspect("k", policy, 1, t0).remaining shouldBe 1 }
                store.inspect("k", policy, 2, t0).retryAfterMicros shouldBe
                    store.tryConsume("k", policy, 2, t0).retryAfterMicros
                store.tryConsume("k", policy, 1, t0).allowed shouldBe true
            }

            test("reset makes the next request find a full bucket") {
                val store = newStore()
                store.tryConsume("k", policy, 4, t0)
                store.reset("k", policy)
                store.inspect("k", policy, 1, t0).remaining shouldBe 4
                store.tryConsume("k", policy, 4, t0).allowed shouldBe true
            }

            test("keys and policies do not share buckets") {
                val store = newStore()
                store.tryConsume("a", policy, 4, t0)
                store.tryConsume("b", policy, 1, t0).allowed shouldBe true
                val other = LimitPolicy.of(algorithm, 5, if (policy.algorithm.id.contains("window")) Rate.of(5, second) else policy.rate)
                store.tryConsume("a", other, 1, t0).allowed shouldBe true
            }

            test("keys that look like separators, hash tags or huge strings stay distinct") {
                val store = newStore()
                val tricky = listOf("a:b", "a", "{a}", "a}:{b", "limiter:{x}", "", " ", "ключ", "x".repeat(10_000), "x".repeat(9_999))
                for (key in tricky) store.tryConsume(key, policy, 4, t0).allowed shouldBe true
                for (key in tricky) store.tryConsume(key, policy, 1, t0).allowed shouldBe false
            }

            test("concurrent requests on one key are admitted exactly up to the limit") {
                val big = LimitPolicy.of(algorithm, 500, if (policy.algorithm.id.contains("window")) Rate.of(500, second) else Rate.perSecond(4))
                val store = newStore()
                val admitted = coroutineScope {
                    (1..40).map {
                        async(Dispatchers.Default) { (1..25).count { store.tryConsume("hot", big, 1, t0).allowed } }
                    }.awaitAll().sum()
                }
                admitted shouldBe 500
            }
        }
    }

    test("idle buckets are forgotten, so memory follows active keys") {
        val store = newStore()
        val policy = LimitPolicy.tokenBucket(2, Rate.parse("1/10ms"))
        for (i in 0 until 2_000) store.tryConsume("key-$i", policy, 1, t0)
        bucketCount(store) shouldBe 2_000L
        forgetIdle(store, t0 + 10_000)
        bucketCount(store) shouldBeLessThanOrEqualTo 0L
    }

    test("a bucket not yet at rest is kept with its state") {
        val store = newStore()
        // At rest 20 minutes after t0; asked one microsecond before its next permit. Minutes,
        // not milliseconds: a store that counts its TTLs down in real time (Redis) must not
        // lose the key to the few milliseconds that pass between the write and the sweep.
        val policy = LimitPolicy.tokenBucket(2, Rate.parse("1/10m"))
        store.tryConsume("busy", policy, 2, t0)
        forgetIdle(store, t0 + 599_999_999)
        store.tryConsume("busy", policy, 1, t0 + 599_999_999).allowed shouldBe false
    }

    // ---------------------------------------------------------------------------------------
    // Several levels in one request: BucketStore.tryConsumeAll charges every level or none.
    // ---------------------------------------------------------------------------------------

    context("tryConsumeAll: every level or none") {
        // Refills too slow to matter: every permit taken stays taken, so buckets can be counted.
        val perKey = LimitPolicy.tokenBucket(10, Rate.perHour(1)).named("contract-per-key")
        val perAddress = LimitPolicy.tokenBucket(25, Rate.perHour(1)).named("contract-per-ip")
        val ceiling = LimitPolicy.tokenBucket(100, Rate.perHour(1)).named("contract-ceiling")
        val keys = (0 until 30).map { "key-$it" }
        val addressOf = { key: String -> "10.0.0.${key.removePrefix("key-").toInt() % 5}" }

        fun levels(key: String, three: Boolean): List<BucketRequest> = buildList {
            add(BucketRequest(key, perKey, 1))
            if (three) add(BucketRequest(addressOf(key), perAddress, 1))
            add(BucketRequest("global", ceiling, 1))
        }

        /** Checks that every bucket was charged exactly for the requests admitted through it. */
        suspend fun countEveryBucket(store: BucketStore, admittedKeys: List<String>, three: Boolean) {
            admittedKeys.size shouldBe 100 // the ceiling is the tightest level overall
            store.inspect("global", ceiling, 1, t0).remaining shouldBe 0
            for (key in keys) {
                val admitted = admittedKeys.count { it == key }.toLong()
                admitted shouldBeLessThanOrEqualTo 10L
                store.inspect(key, perKey, 1, t0).remaining shouldBe 10 - admitted
            }
            if (three) {
                for (address in keys.map(addressOf).distinct()) {
                    val admitted = admittedKeys.count { addressOf(it) == address }.toLong()
                    admitted shouldBeLessThanOrEqualTo 25L
                    store.inspect(address, perAddress, 1, t0).remaining shouldBe 25 - admitted
                }
            }
        }

        for (three in listOf(false, true)) {
            val n = if (three) "three" else "two"

            test("$n levels under 8 threads: each level is charged exactly for the requests admitted") {
                val store = newStore()
                val pool = java.util.concurrent.Executors.newFixedThreadPool(8)
                try {
                    val dispatcher = pool.asCoroutineDispatcher()
                    val admitted = coroutineScope {
                        (0 until 8).map { thread ->
                            async(dispatcher) {
                                (0 until 125).mapNotNull { i ->
                                    val key = keys[(thread * 125 + i) % keys.size]
                                    val decisions = store.tryConsumeAll(levels(key, three), t0)
                                    decisions.size shouldBe (if (three) 3 else 2)
                                    if (decisions.all { it.allowed }) key else null
                                }
                            }
                        }.awaitAll().flatten()
                    }
                    countEveryBucket(store, admitted, three)
                } finally {
                    pool.shutdown()
                }
            }

            test("$n levels under 1,000 coroutines: no level is charged without the others") {
                val store = newStore()
                val admitted = coroutineScope {
                    (0 until 1_000).map { i ->
                        async(Dispatchers.Default) {
                            val key = keys[i % keys.size]
                            val decisions = store.tryConsumeAll(levels(key, three), t0)
                            if (decisions.all { it.allowed }) key else null
                        }
                    }.awaitAll().filterNotNull()
                }
                countEveryBucket(store, admitted, three)
            }
        }

        test("four levels, one refusing: the refusing level is the denied one and nothing is charged") {
            val store = newStore()
            val perIp = LimitPolicy.tokenBucket(2, Rate.perHour(1)).named("contract-four-ip")
            val perEndpoint = LimitPolicy.fixedWindow(10, Duration.ofHours(1)).named("contract-four-endpoint")
            val own = LimitPolicy.gcra(Rate.perHour(1), 10).named("contract-four-key")
            val global = LimitPolicy.slidingWindowCounter(10, Duration.ofHours(1)).named("contract-four-global")
            store.tryConsume("203.0.113.7", perIp, 2, t0).allowed shouldBe true
            val request = listOf(
                BucketRequest("dev-42", own, 1),
                BucketRequest("203.0.113.7", perIp, 1),
                BucketRequest("GET /search", perEndpoint, 1),
                BucketRequest("global", global, 1),
            )
            val decisions = store.tryConsumeAll(request, t0)
            decisions.map { it.allowed } shouldBe listOf(true, false, true, true)
            decisions[1].reason shouldBe DenyReason.LIMITED
            decisions[1].key shouldBe "203.0.113.7"
            (decisions[1].retryAfterMicros > 0) shouldBe true
            store.inspect("dev-42", own, 1, t0).remaining shouldBe 10
            store.inspect("203.0.113.7", perIp, 1, t0).remaining shouldBe 0
            store.inspect("GET /search", perEndpoint, 1, t0).remaining shouldBe 10
            store.inspect("global", global, 1, t0).remaining shouldBe 10
        }

        test("two levels on one bucket are asked for their sum: the one that overflows it refuses, nothing is charged") {
            val store = newStore()
            val shared = LimitPolicy.fixedWindow(2, Duration.ofHours(1)).named("contract-shared")
            store.tryConsume("dev-42", shared, 1, t0).allowed shouldBe true
            val twice = listOf(BucketRequest("dev-42", shared, 1), BucketRequest("dev-42", shared, 1))
            val refused = store.tryConsumeAll(twice, t0)
            refused.map { it.allowed } shouldBe listOf(true, false)
            (refused[1].retryAfterMicros > 0) shouldBe true
            store.inspect("dev-42", shared, 1, t0).remaining shouldBe 1
            // On a fresh bucket both fit: charged one after the other.
            store.tryConsumeAll(twice.map { it.copy(key = "dev-43") }, t0).map { it.remaining } shouldBe listOf(1L, 0L)
            store.inspect("dev-43", shared, 1, t0).remaining shouldBe 0
        }

        test("four levels that all fit are all charged, each with its own numbers") {
            val store = newStore()
            val request = listOf(
                BucketRequest("dev-42", LimitPolicy.tokenBucket(5, Rate.perHour(1)).named("contract-all-key"), 2),
                BucketRequest("203.0.113.7", LimitPolicy.leakyBucket(6, Rate.perHour(1)).named("contract-all-ip"), 2),
                BucketRequest("GET /search", LimitPolicy.slidingWindowLog(7, Duration.ofHours(1)).named("contract-all-endpoint"), 2),
                BucketRequest("global", LimitPolicy.fixedWindow(8, Duration.ofHours(1)).named("contract-all-global"), 2),
            )
            val decisions = store.tryConsumeAll(request, t0)
            decisions.map { it.allowed } shouldBe listOf(true, true, true, true)
            decisions.map { it.remaining } shouldBe listOf(3L, 4L, 5L, 6L)
            for (r in request) store.inspect(r.key, r.policy, 1, t0).remaining shouldBe r.policy.capacity - 2
        }
    }
})
