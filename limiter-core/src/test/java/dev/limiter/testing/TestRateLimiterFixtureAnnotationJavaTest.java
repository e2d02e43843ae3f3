package dev.limiter.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JUnit 5 extension declared with @ExtendWith: each test gets its own fixture for the annotated policy. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(TestRateLimiterExtension.class)
@TestRateLimiterPolicy(algorithm = "fixed-window", capacity = 3, rate = "3/1m", start = "2026-06-01T12:00:30Z")
class TestRateLimiterFixtureAnnotationJavaTest {

    private static TestRateLimiterFixture previous;

    @Test
    void theClassPolicyAndStartApply(TestRateLimiterFixture fixture) {
        assertEquals(LimitPolicy.fixedWindow(3, Duration.ofMinutes(1)), fixture.getPolicy());
        assertEquals(Instant.parse("2026-06-01T12:00:30Z"), fixture.now());
        assertEquals(3, fixture.exhaust());
        // The calendar-aligned window ends at 12:01:00, 30 seconds away.
        fixture.assertRetryAfter(Duration.ofSeconds(30));
    }

    @Test
    @TestRateLimiterPolicy(algorithm = "gcra", capacity = 2, rate = "1/s")
    void aMethodPolicyWinsOverTheClassPolicy(TestRateLimiterFixture fixture) {
        assertEquals(LimitPolicy.gcra(Rate.perSecond(1), 2), fixture.getPolicy());
        assertEquals(MockClock.DEFAULT_START, fixture.now());
    }

    // The pair runs first and in this order (@Order), so the second always has a fixture to compare.
    @Test
    @Order(1)
    void aTestUsesUpItsFixture(TestRateLimiterFixture fixture) {
        assertEquals(3, fixture.exhaust("k"));
        previous = fixture;
    }

    @Test
    @Order(2)
    void theNextTestGetsAFreshFixtureAndTheOneBeforeIsClosed(TestRateLimiterFixture fixture) {
        assertNotNull(previous, "the @Order(1) test ran first and recorded its fixture");
        assertNotSame(previous, fixture);
        assertThrows(dev.limiter.LimiterClosedException.class, () -> previous.getBlocking().tryAcquire("k"));
        // Fresh: the key the test before used up is full again.
        assertEquals(3, fixture.exhaust("k"));
    }

    @Test
    void anExtendWithExtensionHasNoSharedFixture() {
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> new TestRateLimiterExtension().getFixture());
        assertEquals(true, error.getMessage().contains("take a TestRateLimiterFixture parameter"));
    }
}
