package dev.limiter.samples.quickstart;

import dev.limiter.Decision;
import dev.limiter.RateLimits;
import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;

/** Shadow mode: a policy tried out on live traffic, counted and reported, never refusing. */
public final class ShadowMode {
    private ShadowMode() {}

    /** A key+endpoint level in shadow mode would refuse the third export; the caller is still served. */
    public static void run() {
        // snippet:java-shadow-mode
        LimitsConfig config = LimitsConfig.parse(String.join("\n",
                "policies:",
                "  free:    { algorithm: token-bucket, capacity: 10, refill: 10/h }",
                "  exports: { algorithm: token-bucket, capacity: 2, refill: 2/h, mode: shadow }",
                "default-policy: free",
                "levels:",
                "  - { per: key+endpoint, endpoint: \"POST /exports\", policy: exports }"));
        try (RateLimits limits = RateLimits.builder(config).clock(new MockClock()).build()) {
            for (int i = 1; i <= 3; i++) {
                Decision decision = limits.checkBlocking("dev-42", "POST /exports");
                System.out.println("export " + i + ": " + (decision.isAllowed() ? "served" : "refused")
                        + (decision.getShadowDenied() ? ", but " + decision.getPolicy() + " would have refused it" : ""));
            }
        }
        // end-snippet
    }
}
