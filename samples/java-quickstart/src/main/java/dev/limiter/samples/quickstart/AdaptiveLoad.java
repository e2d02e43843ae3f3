package dev.limiter.samples.quickstart;

import dev.limiter.RateLimits;
import dev.limiter.adaptive.AdaptiveLimits;
import dev.limiter.adaptive.AdaptiveSettings;
import dev.limiter.adaptive.LoadSignal;
import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Adaptive limits: a load signal (here a scripted lambda standing in for {@code LoadSignal.cpu()})
 * scales the {@code free} policy down while the service is busy and back up as it recovers.
 */
public final class AdaptiveLoad {
    private AdaptiveLoad() {}

    /** Five one-second steps of load 0.95, 0.95, 0.7, 0.3, 0.3 on a mock clock; prints the factor path. */
    public static void run() {
        LimitsConfig config = LimitsConfig.parse(ValidateConfig.resource("limits.yaml"));
        // snippet:java-adaptive
        double[] loads = {0.95, 0.95, 0.7, 0.3, 0.3};
        int[] step = {0};
        LoadSignal signal = () -> loads[Math.min(step[0]++, loads.length - 1)];
        MockClock clock = new MockClock();
        AdaptiveLimits adaptive = new AdaptiveLimits(signal, new AdaptiveSettings(), clock); // high 0.8, low 0.6, every 1 s
        try (RateLimits limits = RateLimits.builder(config).clock(clock).build()) {
            limits.adapt(adaptive, Set.of("free"));
            System.out.println("at start: free holds " + limits.checkBlocking("dev-0").getLimit());
            for (int second = 1; second <= loads.length; second++) {
                clock.advance(Duration.ofSeconds(1));
                long holds = limits.checkBlocking("dev-" + second).getLimit();
                System.out.println(String.format(Locale.ROOT, "after %d s: factor %.3f, free holds %d", second, adaptive.getFactor(), holds));
            }
            System.out.println("last change: " + adaptive.getReason());
        }
        // end-snippet
    }
}
