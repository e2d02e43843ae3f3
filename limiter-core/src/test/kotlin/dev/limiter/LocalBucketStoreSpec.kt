package dev.limiter

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe

class LocalBucketStoreContractSpec : BucketStoreContract(
    newStore = { LocalBucketStore() },
    forgetIdle = { store, now -> (store as LocalBucketStore).sweep(now) },
    bucketCount = { store -> (store as LocalBucketStore).size.toLong() },
)

class LocalBucketStoreSpec : FunSpec({
    val t0 = 1_767_225_600_000_000L

    test("a million distinct keys arriving once each keep the bucket count bounded") {
        val store = LocalBucketStore()
        val policy = LimitPolicy.tokenBucket(40, Rate.perSecond(10))
        var peak = 0
        // One new key every microsecond: each bucket is back at rest 100 ms after its request.
        for (i in 0 until 1_000_000) {
            store.tryConsumeNow("developer-$i", policy, 1, t0 + i)!!.allowed shouldBe true
            if (store.size > peak) peak = store.size
        }
        // Live buckets at any instant are the last 100,000; sweeps keep at most about twice that.
        peak shouldBeLessThanOrEqualTo 2 * 100_000 + 1_024
    }

    test("past maxKeys the buckets closest to rest are dropped first") {
        val store = LocalBucketStore(maxKeys = 1_000)
        val slow = LimitPolicy.tokenBucket(10, Rate.perHour(1))
        for (i in 0 until 5_000) store.tryConsumeNow("k$i", slow, 1, t0 + i)
        store.size shouldBeLessThanOrEqualTo 1_000 + 1_000 / 8 + 1
        // The newest key is furthest from rest, so it is still remembered.
        store.inspect("k4999", slow, 1, t0 + 5_000).remaining shouldBe 9
    }

    test("the non-suspending path answers like the suspending one") {
        val a = LocalBucketStore()
        val b = LocalBucketStore()
        val policy = LimitPolicy.gcra(Rate.perSecond(5), 3)
        repeat(50) { i ->
            val now = t0 + i * 37_000L
            a.tryConsumeNow("k", policy, 1, now) shouldBe b.tryConsume("k", policy, 1, now)
        }
    }
})

class NamedPolicyBucketsSpec : FunSpec({
    val t0 = 1_767_225_600_000_000L
    val slow = Rate.perHour(1)

    for (algorithm in LimitPolicy.Algorithm.entries) {
        fun policy(capacity: Long): LimitPolicy = when (algorithm) {
            LimitPolicy.Algorithm.TOKEN_BUCKET, LimitPolicy.Algorithm.LEAKY_BUCKET -> LimitPolicy.of(algorithm, capacity, slow)
            LimitPolicy.Algorithm.GCRA -> LimitPolicy.gcra(slow, capacity)
            else -> LimitPolicy.of(algorithm, capacity, Rate.of(capacity, java.time.Duration.ofHours(1)))
        }.named("free")

        test("${algorithm.id}: a named policy keeps its buckets when its numbers change, and no key gains permits") {
            // A key at rest behaves like a new one under any numbers.
            LocalBucketStore().apply { inspect("fresh", policy(10), 1, t0); tryConsume("fresh", policy(10), 1, t0) }
                .tryConsume("fresh", policy(20), 20, t0 + 3_600_000_000L * 3).allowed shouldBe true
            val store = LocalBucketStore()
            store.tryConsume("dev-42", policy(10), 8, t0).remaining shouldBe 2
            // Shrinking below what is left clamps; growing gives back nothing already taken.
            store.inspect("dev-42", policy(20), 1, t0).remaining shouldBe 2
            store.tryConsume("dev-42", policy(1), 1, t0).remaining shouldBe 0
            store.tryConsume("dev-42", policy(1), 1, t0).allowed shouldBe false
            store.tryConsume("dev-42", policy(20), 1, t0).allowed shouldBe false
            // Another name is another bucket.
            store.tryConsume("dev-42", policy(20).named("pro"), 20, t0).allowed shouldBe true
        }
    }

    test("a grown token bucket keeps what was left and refills at its new rate up to its new capacity") {
        val store = LocalBucketStore()
        val small = LimitPolicy.tokenBucket(10, Rate.perSecond(1)).named("free")
        val big = LimitPolicy.tokenBucket(100, Rate.perSecond(10)).named("free")
        store.tryConsume("k", small, 6, t0).remaining shouldBe 4
        store.inspect("k", big, 1, t0).remaining shouldBe 4
        store.inspect("k", big, 1, t0 + 1_000_000).remaining shouldBe 14
    }
})
