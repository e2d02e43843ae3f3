package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Java callers plug LimiterMetrics into the builder and read the meters. */
class LimiterMetricsJavaTest {

    @Test
    void decisionsAreCountedFromJava() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LimiterMetrics metrics = new LimiterMetrics(registry);
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perMinute(1)).named("java"))
                .listener(metrics)
                .build()) {
            limiter.tryAcquire("k");
            limiter.tryAcquire("k");
        }
        assertEquals(1.0, registry.get(LimiterMetrics.REQUESTS).tags("policy", "java", "outcome", "allowed").counter().count());
        assertEquals(1.0, registry.get(LimiterMetrics.REQUESTS).tags("policy", "java", "outcome", "rejected").counter().count());
    }
}
