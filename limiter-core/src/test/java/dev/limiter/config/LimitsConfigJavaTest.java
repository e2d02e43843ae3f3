package dev.limiter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.Decision;
import dev.limiter.DenyReason;
import dev.limiter.LimitPolicy;
import dev.limiter.LocalBucketStore;
import dev.limiter.Rate;
import dev.limiter.RateLimits;
import dev.limiter.testing.MockClock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitsConfigJavaTest {
    private static final String YAML = String.join("\n",
        "policies:",
        "  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }",
        "  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }",
        "default-policy: free",
        "endpoints: { \"POST /reports\": { cost: 10, policy: reports } }",
        "denylist: [ abuser-1 ]",
        "");

    @Test
    void validateReportsEveryProblemWithItsLocation() {
        ValidationReport report = LimitsConfig.validate(YAML.replace("capacity: 40", "capacity: 0").replace("free\nendpoints", "gold\nendpoints"));

        assertFalse(report.isValid());
        assertEquals(2, report.getErrors().size());
        ConfigError first = report.getErrors().get(0);
        assertEquals("policies.free.capacity", first.getPath());
        assertEquals(2, first.getLine());
        assertEquals(46, first.getColumn());
        assertEquals("default-policy", report.getErrors().get(1).getPath());
    }

    @Test
    void parseThrowsTheSameErrors() {
        String broken = YAML.replace("10/s", "ten per second");
        LimitsConfigException thrown = assertThrows(LimitsConfigException.class, () -> LimitsConfig.parse(broken));
        assertEquals(LimitsConfig.validate(broken).getErrors(), thrown.getErrors());
    }

    @Test
    void rateLimitsCheckFromJava() {
        try (RateLimits limits = new RateLimits(LimitsConfig.parse(YAML), new LocalBucketStore(), new MockClock())) {
            Decision report = limits.checkBlocking("dev-7", "POST /reports");
            assertTrue(report.isAllowed());
            assertEquals(10, report.getRemaining());
            assertEquals(39, limits.checkBlocking("dev-7").getRemaining());
            assertEquals(DenyReason.DENYLISTED, limits.checkBlocking("abuser-1").getReason());
            assertEquals("reports", limits.policyFor("dev-7", "POST /reports").getName());
        }
    }

    @Test
    void aConfigBuiltInJavaCanBeSwappedIn() {
        LimitsConfig config = new LimitsConfig(
            Map.of("basic", LimitPolicy.tokenBucket(5, Rate.perMinute(5))), "basic",
            Map.of(), Map.of("GET /search", new EndpointLimit(2)), List.of("10.0.0.0/8"), List.of());
        try (RateLimits limits = new RateLimits(LimitsConfig.parse(YAML), new LocalBucketStore(), new MockClock())) {
            limits.update(config);

            assertEquals(3, limits.checkBlocking("dev-7", "GET /search").getRemaining());
            assertEquals(Long.MAX_VALUE, limits.checkBlocking("dev-7", "GET /search", "10.2.3.4").getRemaining());
            assertEquals(config, limits.getConfig());
            assertEquals(config, LimitsConfig.parse(config.toYaml()));
        }
    }
}
