package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Java builds an engine with RateLimits.builder: store, clock, listener and queue bound are all optional. */
class RateLimitsBuilderJavaTest {
    private static final LimitsConfig CONFIG = LimitsConfig.parse(
            "policies:\n  free: { algorithm: token-bucket, capacity: 2, refill: 2/min }\ndefault-policy: free\n");

    @Test
    void theBuiltEngineUsesTheGivenStoreAndClock() {
        LocalBucketStore store = new LocalBucketStore();
        MockClock clock = new MockClock();
        try (RateLimits limits = RateLimits.builder(CONFIG).store(store).clock(clock).maxQueueSize(5).build()) {
            assertSame(CONFIG, limits.getConfig());
            assertTrue(limits.checkBlocking("dev-1").isAllowed());
            assertTrue(limits.checkBlocking("dev-1").isAllowed());
            Decision refused = limits.checkBlocking("dev-1");
            assertFalse(refused.isAllowed());
            assertEquals(Duration.ofSeconds(30), refused.getRetryAfter());
            clock.advance(Duration.ofSeconds(30));
            assertTrue(limits.checkBlocking("dev-1").isAllowed());
            assertEquals(0, limits.statusBlocking("dev-1").getRemaining());
        }
    }

    @Test
    void aQueueBoundBelowOneIsRefusedWithTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateLimits.builder(CONFIG).maxQueueSize(0));
        assertEquals("maxQueueSize must be at least 1, was 0", e.getMessage());
    }
}
