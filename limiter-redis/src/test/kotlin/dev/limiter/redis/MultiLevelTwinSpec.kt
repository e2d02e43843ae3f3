package dev.limiter.redis

import dev.limiter.BucketRequest
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.LocalBucketStore
import dev.limiter.Rate
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.property.Arb
import io.kotest.property.PropTestConfig
import io.kotest.property.arbitrary.arbitrary
import io.kotest.property.arbitrary.element
import io.kotest.property.arbitrary.int
import io.kotest.property.arbitrary.list
import io.kotest.property.arbitrary.long
import io.kotest.property.checkAll
import java.time.Duration

private data class LevelStep(val advanceMicros: Long, val levels: List<Int>, val keys: List<String>, val permits: Long, val take: Boolean)

private data class LevelRun(val policies: List<LimitPolicy>, val startMicros: Long, val steps: List<LevelStep>)

/**
 * The multi-level script decides bit for bit as the Kotlin algorithms composed the way
 * `BucketStore.tryConsumeAll` specifies: every level checked on the state as it stands (a
 * bucket named twice asked for the sum), then all charged or none. Random runs of up to four
 * levels of random algorithms over a few keys, on one clock. The reference is built from
 * `LocalBucketStore`'s single-level operations; where `LocalBucketStore.tryConsumeAll` is
 * implemented, Redis must agree with it too. The seed is fixed; Kotest prints it (and the
 * failing run) on failure.
 */
class MultiLevelTwinSpec : FunSpec({
    val periods = listOf(Duration.ofMillis(7), Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofHours(1))

    val policy: Arb<LimitPolicy> = arbitrary {
        val algorithm = Arb.element(Algorithm.entries).bind()
        val capacity = Arb.long(1L..20L).bind()
        val amount = if (algorithm.id.contains("window")) capacity else Arb.long(1L..100L).bind()
        LimitPolicy.of(algorithm, capacity, Rate.of(amount, Arb.element(periods).bind()))
    }

    val runs: Arb<LevelRun> = arbitrary {
        // Distinct numbers: the reference tells buckets apart by policy equality, which ignores names.
        val policies = Arb.list(policy, 1..4).bind().distinct().mapIndexed { i, p -> p.named("level-$i") }
        val step = arbitrary {
            val levels = Arb.list(Arb.int(policies.indices), 1..4).bind()
            val fewest = levels.minOf { policies[it].capacity }
            LevelStep(
                advanceMicros = Arb.element(0L, 1L, 3_000L, 100_000L, 1_000_000L, 60_000_000L).bind(),
                levels = levels,
                keys = levels.map { Arb.element("a", "b").bind() },
                permits = Arb.long(1L..fewest).bind(),
                take = Arb.int(0..4).bind() > 0,
            )
        }
        LevelRun(policies, 1_767_225_600_000_000L + Arb.long(0L..86_400_000_000L).bind(), Arb.list(step, 1..30).bind())
    }

    val redis = SharedRedis.clientTimeStore(SharedRedis.isolatedOptions().withTtlSlack(Duration.ofHours(1)).withDenyCacheSize(0))

    /** `tryConsumeAll` as specified, from single-level operations of a local store. */
    suspend fun reference(local: BucketStore, requests: List<BucketRequest>, now: Long): List<Decision> {
        if (requests.size == 1) return listOf(requests[0].let { local.tryConsume(it.key, it.policy, it.permits, now) })
        val asked = HashMap<Pair<LimitPolicy, String>, Long>()
        val checks = requests.map { r ->
            val permits = asked.merge(r.policy to r.key, r.permits, Long::plus)!!
            local.inspect(r.key, r.policy, permits, now)
        }
        if (checks.all { it.retryAfterMicros == 0L }) return requests.map { local.tryConsume(it.key, it.policy, it.permits, now) }
        return checks.mapIndexed { i, s ->
            val allowed = s.retryAfterMicros == 0L
            Decision.fromMicros(
                allowed, s.remaining, requests[i].policy.capacity, s.retryAfterMicros, s.resetAfterMicros,
                requests[i].key, if (allowed) null else DenyReason.LIMITED,
            )
        }
    }

    test("every level of a request is decided in Redis exactly as the Kotlin twins decide it") {
        var runIndex = 0
        checkAll(PropTestConfig(seed = 20_261_203L, iterations = 80), runs) { run ->
            val prefix = "run${runIndex++}-"
            val model = LocalBucketStore()
            val local = LocalBucketStore()
            var localSupportsAll = true
            var now = run.startMicros
            for ((index, step) in run.steps.withIndex()) {
                now += step.advanceMicros
                val requests = step.levels.mapIndexed { i, level -> BucketRequest(prefix + step.keys[i], run.policies[level], step.permits) }
                val where = "step $index of $run at $now"
                val sums = requests.groupBy { it.policy to it.key }.values.map { same -> same.sumOf { it.permits } to same[0].policy.capacity }
                if (step.take && sums.any { (sum, capacity) -> sum > capacity }) {
                    shouldThrow<IllegalArgumentException> { redis.tryConsumeAll(requests, now) }
                } else if (step.take) {
                    val expected = reference(model, requests, now)
                    Pair(where, redis.tryConsumeAll(requests, now)) shouldBe Pair(where, expected)
                    if (localSupportsAll) {
                        try {
                            Pair(where, local.tryConsumeAll(requests, now)) shouldBe Pair(where, expected)
                        } catch (_: UnsupportedOperationException) {
                            localSupportsAll = false
                        }
                    }
                } else {
                    for (r in requests) {
                        Pair(where, redis.inspect(r.key, r.policy, r.permits, now)) shouldBe
                            Pair(where, model.inspect(r.key, r.policy, r.permits, now))
                    }
                }
            }
            for (p in run.policies) for (k in listOf("a", "b")) redis.reset(prefix + k, p)
        }
    }
})
