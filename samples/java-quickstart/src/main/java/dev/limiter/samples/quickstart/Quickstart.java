package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import dev.limiter.testing.MockClock;
import java.time.Duration;

/** Runs every part of the Java quickstart in order; finishes in well under a second of waiting. */
public final class Quickstart {
    private Quickstart() {}

    /** Entry point: {@code ./mvnw -q -pl samples/java-quickstart -am package -DskipTests exec:java}. */
    public static void main(String[] args) throws Exception {
        run();
    }

    /** Prints each section under a {@code ==} heading. */
    public static void run() throws Exception {
        System.out.println("== try-with-resources");
        FirstLimiter.run();
        System.out.println("== threads");
        ThreadedRequests.run();
        System.out.println("== queueRequest");
        QueuedReports.run();
        System.out.println("== queueRequestAsync");
        AsyncQueue.run();
        System.out.println("== scopeByKey");
        ScopedKeys.run();
        System.out.println("== quota headers");
        quotaHeaders();
        System.out.println("== YAML validation");
        ValidateConfig.run();
        System.out.println("== @DefaultLimits");
        DefaultLimitsProxy.run();
        System.out.println("== RateLimits levels");
        EngineLevels.run();
        System.out.println("== engine queue");
        EngineQueue.run();
        System.out.println("== shadow mode");
        ShadowMode.run();
        System.out.println("== follow a ConfigStore");
        FollowConfig.run();
        System.out.println("== adaptive limits");
        AdaptiveLoad.run();
        System.out.println("== usage and top keys");
        UsageReport.run();
    }

    private static void quotaHeaders() {
        MockClock clock = new MockClock();
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(3, Rate.perMinute(3))).clock(clock).build()) {
            System.out.println("fresh: " + QuotaHeaders.headersFor(limiter, clock, "dev-42"));
            for (int i = 0; i < 3; i++) limiter.tryAcquire("dev-42");
            System.out.println("after 3: " + QuotaHeaders.headersFor(limiter, clock, "dev-42"));
            clock.advance(Duration.ofSeconds(15));
            System.out.println("15 s later: " + QuotaHeaders.headersFor(limiter, clock, "dev-42"));
        }
    }
}
