package dev.limiter.samples.quickstart;

import dev.limiter.Decision;
import dev.limiter.RateLimits;
import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;

/**
 * The engine from Java: {@code RateLimits.builder}, {@code checkBlocking}, and levels from YAML
 * (a per-address level and a global ceiling) decided together, the refusing one named.
 */
public final class EngineLevels {
    private EngineLevels() {}

    /** Three callers: one runs out of its own policy, one of its address's, one of the ceiling. */
    public static void run() {
        LimitsConfig config = LimitsConfig.parse(ValidateConfig.resource("engine-limits.yaml"));
        // snippet:java-engine-levels
        try (RateLimits limits = RateLimits.builder(config).clock(new MockClock()).build()) {
            for (int i = 0; i < 4; i++) print("dev-1", "192.0.2.1", limits.checkBlocking("dev-1", "GET /reports", "192.0.2.1"));
            for (int i = 0; i < 2; i++) print("dev-2", "192.0.2.1", limits.checkBlocking("dev-2", "GET /reports", "192.0.2.1"));
            for (int i = 0; i < 3; i++) print("dev-3", "198.51.100.7", limits.checkBlocking("dev-3", "GET /reports", "198.51.100.7"));
        }
        // end-snippet
    }

    // snippet:java-engine-print
    static void print(String key, String address, Decision decision) {
        String outcome = decision.isAllowed()
                ? "allowed by " + decision.getPolicy() + ", " + decision.getRemaining() + " left"
                : "refused by " + decision.getPolicy() + ", retry in " + decision.getRetryAfter().toMinutes() + " min";
        System.out.println(key + " from " + address + ": " + outcome);
    }
    // end-snippet
}
