package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class RateLimitsJavaTest {
    private static final String YAML = String.join("\n",
        "policies:",
        "  free: { algorithm: token-bucket, capacity: 2, refill: 1/h }",
        "  per-ip: { algorithm: token-bucket, capacity: 3, refill: 1/h }",
        "  trial: { algorithm: token-bucket, capacity: 1, refill: 1/h, mode: shadow }",
        "default-policy: free",
        "levels:",
        "  - { per: ip, policy: per-ip }",
        "  - { per: key+ip, policy: trial }",
        "");

    @Test
    void theBuilderMakesAnEngineWhoseBlockingChecksNameTheDecidingLevel() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RateLimits limits = RateLimits.builder(LimitsConfig.parse(YAML))
                .store(new LocalBucketStore()).clock(new MockClock()).listener(new LimiterMetrics(registry)).build()) {
            Decision first = limits.checkBlocking("dev-1", null, "192.0.2.1");
            assertTrue(first.isAllowed());
            assertEquals("free", first.getPolicy());

            Decision second = limits.checkBlocking("dev-1", null, "192.0.2.1");
            assertTrue(second.isAllowed());
            assertTrue(second.getShadowDenied());
            assertEquals("trial", second.getPolicy());

            Decision third = limits.checkBlocking("dev-1", null, "192.0.2.1");
            assertFalse(third.isAllowed());
            assertEquals("free", third.getPolicy());

            assertEquals(1.0, registry.get("limiter.requests").tag("outcome", "shadow_rejected").counter().count());
        }
    }
}
