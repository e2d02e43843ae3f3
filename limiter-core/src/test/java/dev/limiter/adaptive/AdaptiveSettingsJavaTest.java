package dev.limiter.adaptive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Java builds AdaptiveSettings and AdaptiveConfig with overloads and java.time, or reads them from YAML. */
class AdaptiveSettingsJavaTest {
    @Test
    void defaultsAndOverloadsGiveTheDocumentedSettings() {
        AdaptiveSettings defaults = new AdaptiveSettings();
        assertEquals(0.8, defaults.getHigh());
        assertEquals(0.6, defaults.getLow());
        assertEquals(0.25, defaults.getMinFactor());
        assertEquals(0.75, defaults.getDecrease());
        assertEquals(0.05, defaults.getIncrease());
        assertEquals(Duration.ofSeconds(1), defaults.getInterval());
        assertEquals(new AdaptiveSettings(0.9, 0.5, 0.25, 0.75, 0.05, Duration.ofSeconds(1)), new AdaptiveSettings(0.9, 0.5));
    }

    @Test
    void invalidSettingsNameEveryFieldAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveSettings(0.5, 0.7, 0.0));
        assertTrue(e.getMessage().contains("low must be below high (0.5), was 0.7"), e.getMessage());
        assertTrue(e.getMessage().contains("minFactor must be in (0, 1], such as 0.25, was 0.0"), e.getMessage());
    }

    @Test
    void aConfigBuildsTheLimitsItDescribesFromCodeOrYaml() {
        AdaptiveConfig inCode = new AdaptiveConfig(List.of(AdaptiveConfig.Signal.LATENCY), Set.of("free"),
                new AdaptiveSettings(), Duration.ofMillis(250));
        assertEquals(List.of(AdaptiveConfig.Signal.LATENCY), inCode.getSignals());
        assertEquals(Duration.ofMillis(250), inCode.getLatencyTarget());
        assertEquals(AdaptiveConfig.Signal.ERROR_RATE, AdaptiveConfig.Signal.fromId("error-rate"));
        assertNull(AdaptiveConfig.Signal.fromId("disk"));
        assertTrue(inCode.createSignal(new MockClock()) instanceof LatencySignal);

        LimitsConfig yaml = LimitsConfig.parse(String.join("\n",
                "policies:",
                "  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }",
                "default-policy: free",
                "adaptive: { signal: heap, high: 0.9, low: 0.5, min-factor: 0.5, interval: 2s, policies: [free] }",
                ""));
        AdaptiveConfig read = yaml.getAdaptive();
        assertEquals(Set.of("free"), read.getPolicies());
        assertEquals(new AdaptiveSettings(0.9, 0.5, 0.5, 0.75, 0.05, Duration.ofSeconds(2)), read.getSettings());
        assertEquals(1.0, read.createLimits(new MockClock()).getFactor());
    }

    @Test
    void aLatencySignalWithoutATargetIsRefusedWithTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AdaptiveConfig(List.of(AdaptiveConfig.Signal.LATENCY), Set.of("free")));
        assertEquals("adaptive latency-target is missing; the latency signal needs one, such as 250ms", e.getMessage());
    }
}
