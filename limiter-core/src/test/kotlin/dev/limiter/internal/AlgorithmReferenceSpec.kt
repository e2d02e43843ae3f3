package dev.limiter.internal

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.LocalBucketStore
import dev.limiter.Rate
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.property.Arb
import io.kotest.property.PropTestConfig
import io.kotest.property.arbitrary.arbitrary
import io.kotest.property.arbitrary.element
import io.kotest.property.arbitrary.long
import io.kotest.property.checkAll
import java.time.Duration

/**
 * Every algorithm against its reference model: random sequences of time advances and costs
 * must give the same allow/deny sequence, the same remaining, retryAfter and resetAfter.
 */
class AlgorithmReferenceSpec : FunSpec({

    fun policy(algorithm: Algorithm, capacity: Long, amount: Long, periodMicros: Long): LimitPolicy {
        val rate = Rate.of(amount, Duration.ofNanos(periodMicros * 1_000))
        return when (algorithm) {
            Algorithm.TOKEN_BUCKET, Algorithm.LEAKY_BUCKET, Algorithm.GCRA -> LimitPolicy.of(algorithm, capacity, rate)
            else -> LimitPolicy.of(algorithm, capacity, Rate.of(capacity, rate.period))
        }
    }

    val periods = listOf(1L, 7L, 1_000L, 2_999L, 1_000_000L, 3_600_000_000L, 86_400_000_000L)

    for (algorithm in Algorithm.entries) {
        test("${algorithm.id} decides exactly as its reference model") {
            val scenario = arbitrary {
                val capacity = Arb.long(1L..12L).bind()
                val amount = Arb.long(1L..7L).bind()
                val period = Arb.element(periods).bind()
                val steps = (1..60).map { Arb.long(0L..(2 * period + 3)).bind() to Arb.long(1L..capacity).bind() }
                Triple(policy(algorithm, capacity, amount, period), Arb.long(0L..10_000_000L).bind(), steps)
            }
            checkAll(PropTestConfig(iterations = 150), scenario) { (policy, offset, steps) ->
                val store = LocalBucketStore()
                var now = 1_767_225_600_000_000L + offset // 2026-01-01 plus some
                val model = ReferenceModel.of(policy, now)
                val bound = 4 * policy.rate.periodMicros * (policy.capacity + 1) + 10
                steps.forEachIndexed { i, (advance, permits) ->
                    now += advance
                    val expected = model.decide(now, permits, bound)
                    val actual = store.tryConsume("k", policy, permits, now)
                    withClue("$policy step $i at $now taking $permits") {
                        Expected(actual.allowed, actual.remaining, actual.retryAfterMicros, actual.resetAfterMicros) shouldBe expected
                    }
                }
            }
        }
    }

    test("inspecting a bucket never changes what it decides next") {
        for (algorithm in Algorithm.entries) {
            val policy = policy(algorithm, 5, 3, 1_000)
            val inspected = LocalBucketStore()
            val untouched = LocalBucketStore()
            var now = 10_000_000L
            repeat(200) { i ->
                now += (i * 7919L) % 900
                val permits = 1 + (i % 5).toLong()
                inspected.inspect("k", policy, permits, now)
                inspected.tryConsume("k", policy, permits, now) shouldBe untouched.tryConsume("k", policy, permits, now)
            }
        }
    }
})
