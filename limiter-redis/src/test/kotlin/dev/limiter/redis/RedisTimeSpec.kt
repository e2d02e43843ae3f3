package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.time.Duration
import java.time.Instant

/** With Redis `TIME` (the default), nodes whose clocks disagree still share one bucket exactly. */
class RedisTimeSpec : FunSpec({
    test("two nodes an hour apart on their own clocks see one bucket, refilled by Redis's clock") {
        val options = SharedRedis.isolatedOptions()
        val policy = LimitPolicy.tokenBucket(4, Rate.perHour(1))
        RedisBucketStore.connect(RedisHarness.uri, options).use { a ->
            RedisBucketStore.connect(RedisHarness.uri, options).use { b ->
                val early = RateLimiter(policy, a, MockClock(Instant.parse("2026-01-01T00:00:00Z")))
                val late = RateLimiter(policy, b, MockClock(Instant.parse("2026-01-01T01:00:00Z")))
                early.tryAcquire("k", 2).allowed shouldBe true
                // Had node b's clock counted, an hour of refill would have restored a token.
                late.tryAcquire("k", 2).allowed shouldBe true
                late.tryAcquire("k", 1).allowed shouldBe false
                early.remainingQuota("k") shouldBe 0
            }
        }
    }

    test("with the limiter's clock, a mock clock moving an hour refills what an hour refills") {
        val clock = MockClock()
        val policy = LimitPolicy.tokenBucket(4, Rate.perHour(1))
        val limiter = RateLimiter(policy, SharedRedis.clientTimeStore(), clock)
        limiter.tryAcquire("k", 4).allowed shouldBe true
        limiter.tryAcquire("k", 1).retryAfter shouldBe Duration.ofHours(1)
        clock.advance(Duration.ofHours(1))
        limiter.tryAcquire("k", 1).allowed shouldBe true
    }
})
