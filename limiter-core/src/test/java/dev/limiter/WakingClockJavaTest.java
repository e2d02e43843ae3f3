package dev.limiter;

import org.junit.jupiter.api.Test;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import static org.junit.jupiter.api.Assertions.*;

/** A clock written in Java can time the limiter's waits by implementing {@link WakingClock}. */
class WakingClockJavaTest {

    /** A hand-moved clock that keeps the wake-ups it is asked for. */
    static final class HandClock implements WakingClock {
        record Pending(long deadline, Runnable wake) {}

        volatile long now = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
        final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();

        @Override
        public long nowNanos() {
            return now;
        }

        @Override
        public Runnable wakeAt(long deadlineNanos, Runnable wake) {
            if (deadlineNanos <= now) {
                wake.run();
                return () -> {};
            }
            Pending p = new Pending(deadlineNanos, wake);
            pending.add(p);
            return () -> pending.remove(p);
        }

        void advanceTo(long nanos) {
            now = nanos;
            for (Pending p : pending) {
                if (p.deadline() <= nanos && pending.remove(p)) p.wake().run();
            }
        }
    }

    @Test
    void aBlockedAcquireAsksTheClockToWakeItAtTheRefillAndIsGrantedThen() throws Exception {
        HandClock clock = new HandClock();
        long start = clock.now;
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(10)))
                .clock(clock).build()) {
            assertTrue(limiter.tryAcquire("k").isAllowed());
            CompletableFuture<Decision> grant = CompletableFuture.supplyAsync(() -> {
                try {
                    return limiter.acquire("k", 1, Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (clock.pending.isEmpty()) Thread.onSpinWait(); // the waiter has parked on the clock
            assertEquals(start + 100_000_000L, clock.pending.peek().deadline());
            clock.advanceTo(start + 99_000_000L);
            assertFalse(grant.isDone());
            clock.advanceTo(start + 100_000_000L);
            assertTrue(grant.get(10, TimeUnit.SECONDS).isAllowed());
            assertTrue(clock.pending.isEmpty());
        }
    }
}
