package dev.limiter.adaptive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimits;
import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Java builds adaptive limits with java.time, lambdas for signals and listeners, and plain getters. */
class AdaptiveJavaTest {

    @Test
    void javaBuildsAdaptiveLimitsAndReadsTheFactor() throws Exception {
        MockClock clock = new MockClock();
        // snippet:java-adaptive-in-code
        LatencySignal latency = LoadSignal.latency(Duration.ofMillis(250), LoadSignal.DEFAULT_WINDOW, clock);
        LoadSignal hot = () -> 0.95; // stands in for LoadSignal.cpu() on a busy machine
        AdaptiveSettings settings = new AdaptiveSettings(0.8, 0.6, 0.25, 0.75, 0.05, Duration.ofSeconds(1));
        AdaptiveLimits adaptive = new AdaptiveLimits(LoadSignal.max(hot, latency), settings, clock);
        // end-snippet

        List<FactorChange> changes = new ArrayList<>();
        adaptive.addListener(changes::add);
        new AdaptiveMetrics(adaptive).bindTo(new SimpleMeterRegistry());
        adaptive.recordResponse(Duration.ofMillis(120), false);

        LimitsConfig config = new LimitsConfig(Map.of("free", LimitPolicy.tokenBucket(40, Rate.perSecond(10))), "free");
        try (RateLimits limits = new RateLimits(config)) {
            limits.adapt(adaptive, Set.of("free"));
        }

        clock.advance(Duration.ofSeconds(1));
        assertEquals(0.75, adaptive.getFactor());
        assertEquals("load 0.950 above high 0.8: factor 1.000 -> 0.750", adaptive.getReason());
        assertEquals(1, changes.size());
        assertTrue(latency.load() < 1.0);
    }

    @Test
    void javaReadsTheAdaptiveLimitsAnEngineTookFromItsConfigAndExportsTheirFactor() {
        MockClock clock = new MockClock();
        LimitsConfig config = LimitsConfig.parse(String.join("\n",
            "policies: { free: { algorithm: token-bucket, capacity: 40, refill: 10/s } }",
            "default-policy: free",
            "adaptive: { signal: error-rate, policies: [free] }"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RateLimits limits = new RateLimits(config, new dev.limiter.LocalBucketStore(), clock)) {
            AdaptiveLimits adaptive = limits.getAdaptive();
            assertEquals(Set.of("free"), limits.getAdaptivePolicies());
            new AdaptiveMetrics(limits).bindTo(registry);
            assertEquals(1.0, registry.get(AdaptiveMetrics.FACTOR).gauge().value());

            limits.update(config); // the same section: the same loop, not a new one
            assertSame(adaptive, limits.getAdaptive());

            limits.update(new LimitsConfig(config.getPolicies(), "free"));
            assertNull(limits.getAdaptive());
            assertTrue(Double.isNaN(registry.get(AdaptiveMetrics.FACTOR).gauge().value()));
        }
    }
}
