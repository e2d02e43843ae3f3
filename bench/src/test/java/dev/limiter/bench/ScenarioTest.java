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

    /** How many calls were granted and how many seconds (real time) the calls took. */
    private record Run(int granted, double seconds) {
        static Run of(int calls, BooleanSupplier call) {
            long start = System.nanoTime();
            int granted = ScenarioTest.granted(calls, call);
            return new Run(granted, (System.nanoTime() - start) / 1e9);
        }

        /** Asserts that no more was granted than [initial] plus [perSecond] for the time the run took. */
        void grantedAtMost(String library, double initial, double perSecond) {
            double limit = initial + perSecond * Math.ceil(seconds) + 1;
            assertTrue(granted <= limit, library + " granted " + granted + " in " + seconds + " s; at most " + limit);
        }
    }

    /*
     * The bounds follow the time the run actually took (a slow or loaded machine refills more,
     * and is allowed more), so nothing here assumes how fast 100,000 calls go: it asserts that
     * each library started with what the scenario gives it and refilled no faster than its rate.
     */
    @Test
    @DisplayName("in the DENIED scenario every library grants its initial permits and then only its rate")
    void deniedGrantsOnlyTheRate() {
        try (BlockingRateLimiter ours = RateLimiter.builder(Scenario.DENIED.policy()).build()) {
            Run run = Run.of(100_000, () -> ours.tryAcquire("k").isAllowed());
            assertTrue(run.granted() >= 100, "ours starts full with 100; granted " + run.granted());
            run.grantedAtMost("ours", 100, 100);
        }
        Bucket bucket4j = Scenario.DENIED.bucket4j();
        Run bucketRun = Run.of(100_000, () -> bucket4j.tryConsume(1));
        assertTrue(bucketRun.granted() >= 100, "Bucket4j starts full with 100; granted " + bucketRun.granted());
        bucketRun.grantedAtMost("Bucket4j", 100, 100);
        AtomicRateLimiter resilience4j = Scenario.DENIED.resilience4j("test");
        Run r4jRun = Run.of(100_000, resilience4j::acquirePermission);
        assertTrue(r4jRun.granted() >= 100, "Resilience4j grants 100 in its first cycle; granted " + r4jRun.granted());
        // 100 per 1 s cycle, no carry-over; the run may touch one cycle more than it lasts.
        r4jRun.grantedAtMost("Resilience4j", 200, 100);
        var guava = Scenario.DENIED.guava();
        Run guavaRun = Run.of(100_000, guava::tryAcquire);
        assertTrue(guavaRun.granted() >= 1, "Guava starts empty but grants its first call; granted " + guavaRun.granted());
        guavaRun.grantedAtMost("Guava", 1, 100);
    }
}
