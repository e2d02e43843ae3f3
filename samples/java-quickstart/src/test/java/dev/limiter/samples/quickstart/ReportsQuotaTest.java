package dev.limiter.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import dev.limiter.testing.MockClock;
import dev.limiter.testing.TestRateLimiterExtension;
import dev.limiter.testing.TestRateLimiterFixture;
import dev.limiter.testing.TestRateLimiterPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How a Java team tests its own rate-limited code in CI: a fixture on a mock clock, injected by
 * the JUnit 5 extension, and a plain MockClock for a limiter built by hand. No sleeps: time
 * moves only when the test moves it.
 */
// snippet:testing-java-fixture
@ExtendWith(TestRateLimiterExtension.class)
@TestRateLimiterPolicy(algorithm = "token-bucket", capacity = 3, rate = "1/20s")
class ReportsQuotaTest {

    @Test
    void aDeveloperGetsThreeReportsThenOneEveryTwentySeconds(TestRateLimiterFixture fixture) {
        assertEquals(3, fixture.exhaust("dev-42"));
        fixture.assertDenied("dev-42");
        fixture.assertRetryAfter("dev-42", Duration.ofSeconds(20));

        fixture.advanceTime(Duration.ofSeconds(20));
        fixture.assertAllowed("dev-42");
        fixture.assertRemaining("dev-42", 0);
    }

    @Test
    void aLimiterBuiltByHandRunsOnAMockClock() {
        MockClock clock = new MockClock(Instant.parse("2026-12-01T09:00:00Z"));
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.fixedWindow(2, Duration.ofMinutes(1)))
                .clock(clock)
                .build()) {
            assertTrue(limiter.tryAcquire("dev-7").isAllowed());
            assertTrue(limiter.tryAcquire("dev-7").isAllowed());
            Decision third = limiter.tryAcquire("dev-7");
            assertFalse(third.isAllowed());
            assertEquals(Duration.ofMinutes(1), third.getRetryAfter());

            clock.advance(Duration.ofMinutes(1));
            assertTrue(limiter.tryAcquire("dev-7").isAllowed());
        }
    }
}
// end-snippet
