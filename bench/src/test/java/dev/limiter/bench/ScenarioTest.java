package dev.limiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The benchmark scenarios make every library do the same work: grant all, or deny nearly all. */
class ScenarioTest {

    private static int granted(int calls, BooleanSupplier call) {
        int granted = 0;
        for (int i = 0; i < calls; i++) {
            if (call.getAsBoolean()) {
                granted++;
            }
        }
        return granted;
    }

    @ParameterizedTest(name = "in the {0} scenario every library grants 100,000 calls in a row")
    @EnumSource(names = {"ALLOWED", "REFILLED"})
    void grantingScenariosGrantEverything(Scenario scenario) {
        try (BlockingRateLimiter ours = RateLimiter.builder(scenario.policy()).build()) {
            assertEquals(100_000, granted(100_000, () -> ours.tryAcquire("k").isAllowed()));
        }
        Bucket bucket4j = scenario.bucket4j();
        assertEquals(100_000, granted(100_000, () -> bucket4j.tryConsume(1)));
        AtomicRateLimiter resilience4j = scenario.resilience4j("test");
        assertTrue(granted(100_000, resilience4j::acquirePermission) > 90_000,
                "Resilience4j grants 10^6 per 1 ms cycle, so nearly all of 100,000 quick calls");
        var guava = scenario.guava();
        assertTrue(granted(100_000, guava::tryAcquire) > 90_000,
                "Guava at 10^9/s has a free slot every nanosecond");
    }

    @Test
    @DisplayName("in the DENIED scenario every library denies nearly all of 100,000 quick calls")
    void deniedDeniesNearlyEverything() {
        try (BlockingRateLimiter ours = RateLimiter.builder(Scenario.DENIED.policy()).build()) {
            int oursGranted = granted(100_000, () -> ours.tryAcquire("k").isAllowed());
            assertTrue(oursGranted >= 100 && oursGranted < 200, "ours granted " + oursGranted);
        }
        Bucket bucket4j = Scenario.DENIED.bucket4j();
        int bucketGranted = granted(100_000, () -> bucket4j.tryConsume(1));
        assertTrue(bucketGranted >= 100 && bucketGranted < 200, "Bucket4j granted " + bucketGranted);
        AtomicRateLimiter resilience4j = Scenario.DENIED.resilience4j("test");
        int r4jGranted = granted(100_000, resilience4j::acquirePermission);
        assertTrue(r4jGranted >= 100 && r4jGranted < 300, "Resilience4j granted " + r4jGranted);
        var guava = Scenario.DENIED.guava();
        int guavaGranted = granted(100_000, guava::tryAcquire);
        assertTrue(guavaGranted >= 1 && guavaGranted < 100, "Guava starts empty; granted " + guavaGranted);
    }
}
