package dev.limiter;

import dev.limiter.testing.MockClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The Java face of the core: every Java-facing type used from real Java source. */
class RateLimiterJavaTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void tryWithResourcesAndTheImmediatePath() {
        MockClock clock = new MockClock(START);
        LimitPolicy policy = LimitPolicy.tokenBucket(3, Rate.parse("10/s"));
        try (BlockingRateLimiter limiter = RateLimiter.builder(policy).clock(clock).store(new LocalBucketStore()).build()) {
            assertTrue(limiter.tryAcquire("dev-42").isAllowed());
            assertEquals(1, limiter.tryAcquire("dev-42").getRemaining());
            Decision last = limiter.tryAcquire("dev-42", 1);
            assertTrue(last.isAllowed());
            Decision denied = limiter.tryAcquire("dev-42");
            assertFalse(denied.isAllowed());
            assertEquals(DenyReason.LIMITED, denied.getReason());
            assertEquals(Duration.ofMillis(100), denied.getRetryAfter());
            assertEquals(Duration.ofMillis(300), denied.getResetAfter());
            assertEquals(3, denied.getLimit());
            assertEquals("dev-42", denied.getKey());

            assertEquals(0.0, limiter.getTokenCount("dev-42"));
            assertEquals(0, limiter.getRemainingQuota("dev-42"));
            assertEquals(START.plusMillis(100), limiter.nextAvailableTimestamp("dev-42"));
            clock.advance(Duration.ofMillis(150));
            assertEquals(1.5, limiter.getTokenCount("dev-42"), 0.0);
            assertEquals(START.plusMillis(150), limiter.nextAvailableTimestamp("dev-42"));

            UsageStats stats = limiter.getUsageStats();
            assertEquals(3, stats.getAllowed());
            assertEquals(1, stats.getRejected());
            KeyUsage usage = limiter.getUsageStats("dev-42");
            assertEquals(3, usage.getPermitsGranted());
            assertEquals(policy, limiter.getPolicy());
        }
    }

    @Test
    void closedLimiterThrows() {
        BlockingRateLimiter limiter = RateLimiter.create(LimitPolicy.fixedWindow(5, Duration.ofMinutes(1)));
        limiter.close();
        assertThrows(LimiterClosedException.class, () -> limiter.tryAcquire("k"));
    }

    @Test
    void blockingAcquireWaitsForTheMockClock() throws Exception {
        MockClock clock = new MockClock(START);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.gcra(Rate.perSecond(2), 1)).clock(clock).build()) {
            assertTrue(limiter.tryAcquire("k").isAllowed());
            AtomicBoolean done = new AtomicBoolean();
            Thread mover = new Thread(() -> {
                while (!done.get()) {
                    if (clock.getWaiters() > 0) clock.advance(Duration.ofMillis(100));
                    Thread.onSpinWait();
                }
            });
            mover.start();
            Decision decision = limiter.acquire("k", 1, Duration.ofSeconds(10));
            done.set(true);
            mover.join();
            assertTrue(decision.isAllowed());
            assertEquals(START.plusMillis(500), clock.instant());
        }
    }

    @Test
    void queueRequestRunsTheCallableOrThrowsWithRetryAfter() throws Exception {
        MockClock clock = new MockClock(START);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perHour(1))).clock(clock).build()) {
            assertEquals("report", limiter.queueRequest("k", 5, Duration.ofSeconds(1), () -> "report"));
            RateLimitExceededException error = assertThrows(RateLimitExceededException.class,
                () -> limiter.queueRequest("k", 5, Duration.ofSeconds(1), () -> "never"));
            assertEquals(Duration.ofHours(1), error.getRetryAfter());
            assertEquals(DenyReason.QUEUE_TIMEOUT, error.getDecision().getReason());
        }
    }

    @Test
    void tryAcquireAsyncAnswersInMemoryAtOnceAndRefusesWithoutQueueing() {
        MockClock clock = new MockClock(START);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(2, Rate.perSecond(1))).clock(clock).build()) {
            CompletableFuture<Decision> first = limiter.tryAcquireAsync("k");
            assertTrue(first.isDone(), "an in-memory decision needs no other thread");
            assertTrue(first.join().isAllowed());
            assertTrue(limiter.tryAcquireAsync("k", 1).join().isAllowed());
            Decision refused = limiter.tryAcquireAsync("k", 1).join();
            assertFalse(refused.isAllowed());
            assertEquals(Duration.ofSeconds(1), refused.getRetryAfter());
            assertEquals(0, limiter.getUsageStats().getQueueDepth());
        }
    }

    @Test
    void cancellingAnAsyncWaiterRemovesItFromTheQueue() throws Exception {
        MockClock clock = new MockClock(START);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(1))).clock(clock).build()) {
            limiter.tryAcquire("k");
            CompletableFuture<Decision> waiting = limiter.queueRequestAsync("k", 0, Duration.ofMinutes(1));
            assertEquals(1, limiter.getUsageStats().getQueueDepth());
            waiting.cancel(true);
            for (int i = 0; i < 1_000 && limiter.getUsageStats().getQueueDepth() > 0; i++) Thread.sleep(1);
            assertEquals(0, limiter.getUsageStats().getQueueDepth());
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1.0, limiter.getTokenCount("k"));
            CompletableFuture<Decision> granted = limiter.queueRequestAsync("k", 0, Duration.ofMinutes(1));
            assertTrue(granted.get(5, TimeUnit.SECONDS).isAllowed());
        }
    }

    @Test
    void interruptingABlockedAcquireLeavesTheQueueAndThrows() throws Exception {
        MockClock clock = new MockClock(START);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perHour(1))).clock(clock).build()) {
            limiter.tryAcquire("k");
            AtomicBoolean interrupted = new AtomicBoolean();
            Thread waiter = new Thread(() -> {
                try {
                    limiter.acquire("k", 1, Duration.ofHours(2));
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
            });
            waiter.start();
            for (int i = 0; i < 5_000 && limiter.getUsageStats().getQueueDepth() == 0; i++) Thread.sleep(1);
            assertEquals(1, limiter.getUsageStats().getQueueDepth());
            waiter.interrupt();
            waiter.join(5_000);
            assertTrue(interrupted.get());
            assertEquals(0, limiter.getUsageStats().getQueueDepth());
            clock.advance(Duration.ofHours(1));
            assertEquals(1.0, limiter.getTokenCount("k"));
        }
    }

    @Test
    void scopedViewsAndListeners() {
        List<Boolean> seen = new ArrayList<>();
        AtomicInteger depth = new AtomicInteger();
        LimiterListener listener = new LimiterListener() {
            @Override
            public void onDecision(LimitPolicy policy, Decision decision, Duration waited, boolean queued) {
                seen.add(decision.isAllowed());
            }

            @Override
            public void onQueueDepth(LimitPolicy policy, int queueDepth) {
                depth.set(queueDepth);
            }
        };
        MockClock clock = new MockClock(START);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.slidingWindowLog(2, Duration.ofMinutes(1)))
                .clock(clock).listener(listener).maxQueueSize(10).priorityAging(Duration.ofSeconds(5)).build()) {
            BlockingRateLimiter.Scoped dev7 = limiter.scopeByKey("dev-7");
            assertTrue(dev7.tryAcquire().isAllowed());
            assertTrue(dev7.tryAcquire(1).isAllowed());
            assertFalse(dev7.tryAcquire().isAllowed());
            assertEquals(0, dev7.getRemainingQuota());
            assertEquals("dev-7", dev7.getKey());
            assertEquals(List.of(true, true, false), seen);

            // A queued request shows in the listener's queue depth until the window lets it through.
            CompletableFuture<Decision> queued = limiter.queueRequestAsync("dev-7", 0, Duration.ofMinutes(2));
            assertFalse(queued.isDone());
            assertEquals(1, depth.get());
            clock.advance(Duration.ofMinutes(1));
            assertTrue(queued.join().isAllowed());
            assertEquals(0, depth.get());
            assertEquals(List.of(true, true, false, true), seen);
        }
    }

    @Test
    void policiesRatesAndErrorsFromJava() {
        assertEquals(Rate.perMinute(100), Rate.parse("100 per minute"));
        assertEquals(LimitPolicy.Algorithm.GCRA, LimitPolicy.gcra(Rate.perSecond(5), 10).getAlgorithm());
        assertEquals(Duration.ofSeconds(30), LimitPolicy.slidingWindowCounter(10, Duration.ofSeconds(30)).getWindow());
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Rate.parse("ten per second"));
        assertTrue(error.getMessage().contains("'ten per second'"));
        Decision made = Decision.denied("k", DenyReason.DENYLISTED, Duration.ofSeconds(3), 0, 10, Duration.ZERO);
        assertEquals(Duration.ofSeconds(3), made.getRetryAfter());
        // A decision the limiter made equals (and hashes like) the same decision built from Java.
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(10, Rate.perSecond(10)))
                .clock(new MockClock(START)).build()) {
            Decision first = limiter.tryAcquire("k");
            assertEquals(Decision.allowed("k", 9, 10, Duration.ofMillis(100)), first);
            assertEquals(Decision.allowed("k", 9, 10, Duration.ofMillis(100)).hashCode(), first.hashCode());
            assertNotEquals(Decision.allowed("k", 8, 10, Duration.ofMillis(100)), first);
        }
        // The system clock is epoch-based: after 2023-11-14 (1.7e18 ns since 1970).
        assertTrue(LimiterClock.SYSTEM.nowNanos() > 1_700_000_000_000_000_000L);
        // The defaults docs/fault-tolerance.md states, read through the Java-facing getters.
        FaultToleranceSettings defaults = new FaultToleranceSettings();
        assertEquals(Duration.ofMillis(50), defaults.getCommandTimeout());
        assertEquals(3, defaults.getFailuresBeforeOpening());
        assertEquals(Duration.ofSeconds(1), defaults.getProbeInterval());
        assertEquals(Decision.denied("k", DenyReason.QUEUE_FULL, Duration.ofMillis(5)).getRemaining(), 0);
    }
}
