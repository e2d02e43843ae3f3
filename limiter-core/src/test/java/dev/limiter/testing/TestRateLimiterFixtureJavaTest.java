package dev.limiter.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.Decision;
import dev.limiter.DenyReason;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JUnit 5 extension and the fixture, used from Java on a mock clock. */
class TestRateLimiterFixtureJavaTest {

    @RegisterExtension
    static final TestRateLimiterExtension limits =
            new TestRateLimiterExtension(LimitPolicy.tokenBucket(10, Rate.perSecond(10)));

    private TestRateLimiterFixture seenBeforeEach;

    @BeforeEach
    void checkTheReset(TestRateLimiterFixture fixture) {
        seenBeforeEach = fixture;
        // Whatever the previous test did, the extension reset the fixture before this method.
        assertEquals(MockClock.DEFAULT_START, fixture.now());
        assertEquals(0, fixture.getStore().getSize());
    }

    @Test
    void exhaustingATenPerSecondBucketDeniesTheNextRequestForExactly100Ms(TestRateLimiterFixture fixture) {
        assertEquals(10, fixture.exhaust("dev-42"));

        Decision denied = fixture.assertDenied("dev-42");
        assertEquals(DenyReason.LIMITED, denied.getReason());
        assertEquals(Duration.ofMillis(100), denied.getRetryAfter());
        fixture.assertRetryAfter("dev-42", Duration.ofMillis(100));
        fixture.assertRemaining("dev-42", 0);
    }

    @Test
    void advancingTheMockClockRefillsThePermitsThatTimeEarned(TestRateLimiterFixture fixture) {
        fixture.exhaust();
        fixture.advanceTime(Duration.ofMillis(250));
        fixture.assertRemaining(2);
        fixture.setMockClock(Instant.parse("2026-01-01T00:00:01Z"));
        fixture.assertRemaining(10);
        fixture.assertAllowed("k", 10);
    }

    @Test
    void aQueuedRequestIsGrantedWhenTheClockReachesItsRefill(TestRateLimiterFixture fixture) throws Exception {
        fixture.exhaust("q");
        CompletableFuture<Decision> waiting = fixture.getBlocking().queueRequestAsync("q", 1, Duration.ofSeconds(1));
        assertFalse(waiting.isDone());
        assertEquals(1, fixture.getMockClock().getWaiters());

        fixture.advanceTime(Duration.ofMillis(100));
        assertTrue(waiting.get(10, TimeUnit.SECONDS).isAllowed());
        fixture.assertDenied("q");
    }

    @Test
    void theRegisteredFixtureIsTheOneInjected(TestRateLimiterFixture fixture) {
        assertSame(limits.getFixture(), fixture);
        // @BeforeEach was handed the same fixture the test gets.
        assertSame(fixture, seenBeforeEach);
    }

    @Test
    void aFailedAssertionSaysWhatWasExpectedAndWhatHappened(TestRateLimiterFixture fixture) {
        AssertionError error = assertThrows(AssertionError.class, () -> fixture.assertRetryAfter("k", Duration.ofMillis(100)));
        assertEquals(
                "expected 1 permit(s) for key 'k' to be available after 100ms but they are available after 0s "
                        + "(clock at 2026-01-01T00:00:00Z)",
                error.getMessage());
    }
}
