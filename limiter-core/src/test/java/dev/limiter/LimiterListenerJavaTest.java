package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Java implements LimiterListener and reads each request's wait as a java.time.Duration. */
class LimiterListenerJavaTest {
    private static final class Recorded {
        final Duration waited;
        final boolean queued;

        Recorded(Duration waited, boolean queued) {
            this.waited = waited;
            this.queued = queued;
        }
    }

    @Test
    void aRequestThatDidNotQueueIsToldTheSharedZeroAndAQueuedOneHowLongItWaited() throws Exception {
        List<Recorded> seen = new CopyOnWriteArrayList<>();
        LimiterListener listener = new LimiterListener() {
            @Override
            public void onDecision(LimitPolicy policy, Decision decision, Duration waited, boolean queued) {
                seen.add(new Recorded(waited, queued));
            }
        };
        MockClock clock = new MockClock();
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perMinute(1)))
                .clock(clock).listener(listener).build()) {
            limiter.tryAcquire("dev-1");
            limiter.tryAcquire("dev-1");
            CompletableFuture<Decision> waiting = limiter.queueRequestAsync("dev-1", 0, Duration.ofMinutes(2));
            clock.advance(Duration.ofSeconds(60));
            assertEquals(true, waiting.get().isAllowed());
        }
        assertEquals(3, seen.size());
        // The same instance every time: a decision that did not wait allocates no Duration.
        assertSame(Duration.ZERO, seen.get(0).waited);
        assertSame(Duration.ZERO, seen.get(1).waited);
        assertEquals(Duration.ofSeconds(60), seen.get(2).waited);
        assertEquals(List.of(false, false, true), List.of(seen.get(0).queued, seen.get(1).queued, seen.get(2).queued));
    }

    @Test
    void theEngineTellsItsListenerEveryDecisionWithZeroWait() {
        List<Duration> waits = new CopyOnWriteArrayList<>();
        LimiterListener listener = new LimiterListener() {
            @Override
            public void onDecision(LimitPolicy policy, Decision decision, Duration waited, boolean queued) {
                waits.add(waited);
            }
        };
        dev.limiter.config.LimitsConfig config = dev.limiter.config.LimitsConfig.parse(
                "policies:\n  free: { algorithm: token-bucket, capacity: 1, refill: 1/h }\ndefault-policy: free\n");
        try (RateLimits limits = RateLimits.builder(config).clock(new MockClock()).listener(listener).build()) {
            limits.checkBlocking("dev-1");
            limits.checkBlocking("dev-1");
        }
        assertEquals(2, waits.size());
        for (Duration waited : waits) assertSame(Duration.ZERO, waited);
    }
}
