package dev.limiter.redis

import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.time.Duration

/** Usage counters kept inside the decision's script give cluster-wide counts per key. */
class UsageCountersSpec : FunSpec({
    val policy = LimitPolicy.tokenBucket(10, Rate.perHour(1))

    test("counts from every node add up, permits weighted by cost") {
        val options = SharedRedis.isolatedOptions().withUsageCounters(Duration.ofDays(1)).withDenyCacheSize(0)
        val nodes = (1..3).map { RedisBucketStore.connect(RedisHarness.uri, options) }
        try {
            for (node in nodes) {
                node.tryConsume("dev-42", policy, 3, 0)
                node.tryConsume("dev-42", policy, 1, 0)
            }
            // 3 + 1 + 3 + 1 granted, the third node's 3 denied (2 left), its 1 granted: 9 permits.
            for (node in nodes) node.usage("dev-42", policy) shouldBe KeyUsage("dev-42", allowed = 5, rejected = 1, permitsGranted = 9)
            nodes[0].inspect("dev-42", policy, 1, 0)
            nodes[0].usage("dev-42", policy).total shouldBe 6
        } finally {
            nodes.forEach { it.close() }
        }
    }

    test("without usage retention nothing is counted") {
        val store = SharedRedis.clientTimeStore()
        store.tryConsume("quiet", policy, 1, 0)
        store.usage("quiet", policy) shouldBe KeyUsage("quiet", 0, 0, 0)
        SharedRedis.keys(SharedRedis.sync, store.options.keyPrefix).size shouldBe 1
    }
})
