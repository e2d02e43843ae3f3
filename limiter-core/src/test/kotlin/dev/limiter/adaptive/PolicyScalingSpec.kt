package dev.limiter.adaptive

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.Rate
import dev.limiter.adaptive.internal.scalePolicy
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.math.BigInteger
import java.time.Duration
import java.util.Random

/** Scaled policies keep their name and algorithm and never allow more than the factor does. */
class PolicyScalingSpec : FunSpec({
    val free = LimitPolicy.tokenBucket(40, Rate.perSecond(10)).named("free")

    test("a token bucket at 0.25 keeps a quarter of its capacity and exactly a quarter of its rate") {
        val scaled = scalePolicy(free, 0.25)
        scaled.name shouldBe "free"
        scaled.algorithm shouldBe Algorithm.TOKEN_BUCKET
        scaled.capacity shouldBe 10
        scaled.rate.toString() shouldBe "1/400ms"
    }

    test("capacities round down and never below 1; slow rates still scale") {
        val slow = LimitPolicy.gcra(Rate.perHour(1), burst = 3).named("slow")
        val scaled = scalePolicy(slow, 0.5)
        scaled.capacity shouldBe 1
        scaled.rate.toString() shouldBe "1/2h"
        scalePolicy(free, 0.001).capacity shouldBe 1
    }

    test("a window keeps its length; its limit scales and its rate follows the limit") {
        val window = LimitPolicy.fixedWindow(100, Duration.ofMinutes(1)).named("per-minute")
        val scaled = scalePolicy(window, 0.562)
        scaled.capacity shouldBe 56
        scaled.window shouldBe Duration.ofMinutes(1)
        scaled.rate shouldBe Rate.perMinute(56)
        scaled.name shouldBe "per-minute"
    }

    test("a limit that would need more than 53 bits keeps fewer significant digits, rounded down") {
        val daily = LimitPolicy.fixedWindow(337_408, Duration.ofDays(1)).named("daily")
        scalePolicy(daily, 0.822).capacity shouldBe 277_340 // 277,349 would need more than 53 bits
    }

    test("a factor of 1 leaves the policy as it is") {
        scalePolicy(free, 1.0) shouldBeSameInstanceAs free
    }

    test("the same policy and factor give the same scaled policy every time, without building it again") {
        scalePolicy(free, 0.75) shouldBeSameInstanceAs scalePolicy(free, 0.75)
        scalePolicy(free, 0.75).named("free") shouldBe scalePolicy(free.named("other"), 0.75)
        scalePolicy(free.named("other"), 0.75).name shouldBe "other"
    }

    test("for random policies and factors, capacity and rate never exceed the factor's share") {
        val random = Random(17)
        repeat(5_000) {
            val algorithm = Algorithm.entries[random.nextInt(Algorithm.entries.size)]
            val capacity = 1L + random.nextInt(if (algorithm == Algorithm.SLIDING_WINDOW_LOG) 100_000 else 1_000_000)
            val period = listOf(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1), Duration.ofMillis(7))[random.nextInt(5)]
            val amount = if (algorithm.id.contains("window")) capacity else 1L + random.nextInt(1_000_000)
            val policy = runCatching { LimitPolicy.of(algorithm, capacity, Rate.of(amount, period)) }.getOrNull() ?: return@repeat
            val permille = 1 + random.nextInt(1000)
            val scaled = scalePolicy(policy.named("p"), permille / 1000.0)
            withClue("$policy at $permille/1000 gave $scaled") {
                scaled.algorithm shouldBe algorithm
                scaled.name shouldBe "p"
                // Exact unless 53 bits force fewer significant digits (huge limits over odd periods).
                (scaled.capacity in 1L..maxOf(1L, capacity * permille / 1000)) shouldBe true
                // rate' <= max(rate * factor, the slowest rate the period allows): compare amount/period as fractions.
                val allowed = BigInteger.valueOf(amount * permille).multiply(BigInteger.valueOf(scaled.rate.periodMicros))
                val actual = BigInteger.valueOf(scaled.rate.amount).multiply(BigInteger.valueOf(period.toNanos() / 1000 * 1000))
                val floorOfOne = scaled.rate.amount == 1L && scaled.rate.periodMicros == period.toNanos() / 1000
                (actual <= allowed || floorOfOne) shouldBe true
                if (algorithm.id.contains("window")) scaled.window shouldBe period
            }
        }
    }
})
