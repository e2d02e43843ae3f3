package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Java queues a request through the engine with checkQueuedAsync / checkQueuedBlocking and java.time. */
class RateLimitsQueuedJavaTest {
    private static final LimitsConfig CONFIG = LimitsConfig.parse(
            "policies:\n  reports: { algorithm: token-bucket, capacity: 1, refill: 1/min }\ndefault-policy: reports\n");

    @Test
    void aQueuedRequestIsGrantedWhenThePermitRefillsOnTheClock() throws Exception {
        MockClock clock = new MockClock();
        try (RateLimits limits = RateLimits.builder(CONFIG).clock(clock).build()) {
            Caller dev = Caller.apiKey("dev-42");
            assertTrue(limits.checkQueuedBlocking(dev, Duration.ofMinutes(2)).isAllowed()); // a permit is there: no wait

            CompletableFuture<Decision> waiting = limits.checkQueuedAsync(dev, Duration.ofMinutes(2));
            assertFalse(waiting.isDone());
            clock.advance(Duration.ofSeconds(60));
            Decision granted = waiting.get(5, TimeUnit.SECONDS);
            assertTrue(granted.isAllowed());
            assertEquals("reports", granted.getPolicy());

            // The next permit comes in 60 s; a caller who waits at most 10 s is told at once.
            Decision refused = limits.checkQueuedAsync(dev, Duration.ofSeconds(10)).getNow(null);
            assertFalse(refused.isAllowed());
            assertEquals(DenyReason.QUEUE_TIMEOUT, refused.getReason());
        }
    }

    @Test
    void aRequestThatCouldNeverBeGrantedFailsTheFuture() {
        try (RateLimits limits = RateLimits.builder(CONFIG).clock(new MockClock()).build()) {
            CompletableFuture<Decision> tooBig = limits.checkQueuedAsync(Caller.apiKey("dev-42"), Duration.ofMinutes(1), null, null, 5L);
            ExecutionException e = assertThrows(ExecutionException.class, tooBig::get);
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
        }
    }
}
