package dev.limiter

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration

class LimitPolicySpec : FunSpec({
    test("invalid parameters are rejected at construction, naming the field, the value and the fix") {
        shouldThrow<IllegalArgumentException> { LimitPolicy.tokenBucket(0, Rate.perSecond(1)) }.message shouldContain "capacity must be between 1"
        shouldThrow<IllegalArgumentException> { LimitPolicy.gcra(Rate.perSecond(1), -3) }.message shouldContain "burst must be between 1 and"
        shouldThrow<IllegalArgumentException> { LimitPolicy.fixedWindow(10, Duration.ZERO) }.message shouldContain "window must be positive"
        shouldThrow<IllegalArgumentException> { LimitPolicy.slidingWindowLog(1_000_000, Duration.ofMinutes(1)) }.message shouldContain "slidingWindowCounter"
        shouldThrow<IllegalArgumentException> { LimitPolicy.slidingWindowCounter(10, Duration.ofDays(200)) }.message shouldContain "104 days"
        shouldThrow<IllegalArgumentException> { LimitPolicy.tokenBucket(LimitPolicy.MAX_CAPACITY + 1, Rate.perSecond(1)) }
    }

    test("sizes whose fixed-point arithmetic would overflow 53 bits are refused with the fix") {
        // 1 token per 366 days needs 3.2e13 units per token; a billion of them is beyond 2^53.
        val error = shouldThrow<IllegalArgumentException> {
            LimitPolicy.tokenBucket(1_000_000_000, Rate.of(1, Duration.ofDays(366)))
        }
        error.message shouldContain "53 bits"
        error.message shouldContain "lower the capacity"
    }

    test("policies are values: the name is a label, not identity") {
        val free = LimitPolicy.tokenBucket(40, Rate.parse("10/s")).named("free")
        free shouldBe LimitPolicy.tokenBucket(40, Rate.perSecond(10))
        free.name shouldBe "free"
        free.id shouldBe "token-bucket:40:10/1s"
        free.toString() shouldBe "free(token-bucket:40:10/1s)"
        LimitPolicy.leakyBucket(40, Rate.perSecond(10)) shouldNotBe free
    }

    test("of() builds what the factories build, for every algorithm") {
        for (algorithm in LimitPolicy.Algorithm.entries) {
            val policy = LimitPolicy.of(algorithm, 20, Rate.parse("20/1m"))
            policy.algorithm shouldBe algorithm
            LimitPolicy.Algorithm.fromId(algorithm.id) shouldBe algorithm
        }
        LimitPolicy.of(LimitPolicy.Algorithm.FIXED_WINDOW, 20, Rate.parse("20/1m")) shouldBe
            LimitPolicy.fixedWindow(20, Duration.ofMinutes(1))
    }
})
