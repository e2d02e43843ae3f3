package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Java reads an engine's usage through RateLimitsUsage's futures. */
class RateLimitsUsageJavaTest {
    @Test
    void usageAndTopKeysAsFutures() throws Exception {
        LimitsConfig config = LimitsConfig.parse("policies:\n  free: { algorithm: token-bucket, capacity: 1, refill: 1/m }\ndefault-policy: free\n");
        try (RateLimits limits = new RateLimits(config, new LocalBucketStore(), new MockClock())) {
            limits.checkBlocking("a");
            limits.checkBlocking("a");
            limits.checkBlocking("b");
            RateLimitsUsage.flushUsageAsync(limits).get();
            assertEquals(new KeyUsage("a", 1, 1, 1), RateLimitsUsage.usageAsync(limits, "a").get());
            List<KeyUsage> top = RateLimitsUsage.topKeysAsync(limits, 1).get();
            assertEquals(List.of(new KeyUsage("a", 1, 1, 1)), top);
        }
    }
}
