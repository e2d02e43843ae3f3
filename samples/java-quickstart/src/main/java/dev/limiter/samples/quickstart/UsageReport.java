package dev.limiter.samples.quickstart;

import dev.limiter.KeyUsage;
import dev.limiter.RateLimits;
import dev.limiter.RateLimitsUsage;
import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.util.List;

/** Usage and top keys: what each key was allowed and refused, and who the busiest callers are. */
public final class UsageReport {
    private UsageReport() {}

    /** Three keys make 5, 2 and 1 requests against 3 an hour; prints one key's usage and the top two. */
    public static void run() throws Exception {
        LimitsConfig config = LimitsConfig.parse(FollowConfig.yaml(3));
        try (RateLimits limits = RateLimits.builder(config).clock(new MockClock()).build()) {
            for (int i = 0; i < 5; i++) limits.checkBlocking("dev-busy");
            for (int i = 0; i < 2; i++) limits.checkBlocking("dev-calm");
            limits.checkBlocking("dev-quiet");
            // snippet:java-usage
            KeyUsage busy = limits.usageBlocking("dev-busy");
            System.out.println("dev-busy: " + busy.getAllowed() + " allowed, " + busy.getRejected() + " refused");
            List<KeyUsage> top = RateLimitsUsage.topKeysAsync(limits, 2).get(); // or limits.topKeysBlocking(2)
            for (KeyUsage usage : top) System.out.println("top: " + usage.getKey() + " with " + usage.getPermitsGranted() + " permits");
            // end-snippet
        }
    }
}
