package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.testing.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import kotlin.coroutines.Continuation;
import org.junit.jupiter.api.Test;

/** Fault tolerance configured, observed and exported from real Java source. */
class FaultToleranceJavaTest {
    /** A remote store that is down: every call fails at once. */
    static final class DownStore implements BucketStore {
        int calls;

        @Override
        public Object tryConsume(String key, LimitPolicy policy, long permits, long nowMicros, Continuation<? super Decision> c) {
            calls++;
            throw new IllegalStateException("connection refused");
        }

        @Override
        public Object inspect(String key, LimitPolicy policy, long permits, long nowMicros, Continuation<? super BucketSnapshot> c) {
            calls++;
            throw new IllegalStateException("connection refused");
        }

        @Override
        public Object reset(String key, LimitPolicy policy, Continuation<? super kotlin.Unit> c) {
            calls++;
            throw new IllegalStateException("connection refused");
        }

        @Override
        public Decision tryConsumeNow(String key, LimitPolicy policy, long permits, long nowMicros) {
            return null;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void localModeDecidesFromLocalBucketsAndReportsEachTransitionOnce() {
        MockClock clock = new MockClock();
        DownStore primary = new DownStore();
        FaultToleranceSettings settings = new FaultToleranceSettings()
                .withCommandTimeout(Duration.ofMillis(50))
                .withFailuresBeforeOpening(2)
                .withProbeInterval(Duration.ofSeconds(1));
        FaultTolerantBucketStore store = new FaultTolerantBucketStore(primary, FaultToleranceMode.LOCAL, settings, clock);
        List<String> changes = new ArrayList<>();
        store.addListener((from, to, cause) -> changes.add(from + "->" + to));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new FaultToleranceMetrics(store).bindTo(registry);

        LimitPolicy policy = LimitPolicy.tokenBucket(3, Rate.perSecond(1));
        try (BlockingRateLimiter limiter = RateLimiter.builder(policy).store(store).clock(clock).build()) {
            assertTrue(limiter.tryAcquire("dev-42", 3).isAllowed());
            assertFalse(limiter.tryAcquire("dev-42").isAllowed());
            assertTrue(limiter.tryAcquire("other").isAllowed());
        }
        assertEquals(BackendState.FALLBACK, store.getBackendState());
        assertEquals(2, primary.calls);
        assertEquals(List.of("PRIMARY->FALLBACK"), changes);
        assertEquals(0.0, registry.get(FaultToleranceMetrics.STATE).gauge().value());
        assertEquals(3.0, registry.get(FaultToleranceMetrics.FALLBACK_DECISIONS).functionCounter().count());
    }

    @Test
    void failClosedDeniesWithTheBackendUnavailableReason() {
        FaultTolerantBucketStore store = new FaultTolerantBucketStore(new DownStore(), FaultToleranceMode.FAIL_CLOSED);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.gcra(Rate.perSecond(5), 5)).store(store).build()) {
            Decision denied = limiter.tryAcquire("k");
            assertEquals(DenyReason.BACKEND_UNAVAILABLE, denied.getReason());
            assertEquals(new FaultToleranceSettings().getProbeInterval(), denied.getRetryAfter());
        }
    }
}
