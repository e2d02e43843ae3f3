package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import dev.limiter.testing.MockClock;
import java.io.PrintStream;
import java.time.Duration;

/** Runs every part of the Java quickstart in order; finishes in well under a second of waiting. */
public final class Quickstart {
    private Quickstart() {}

    /** Entry point: {@code ./mvnw -pl samples/java-quickstart exec:java}. */
    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Prints each section under a {@code ==} heading. */
    public static void run(PrintStream out) throws Exception {
        out.println("== try-with-resources");
        FirstLimiter.run(out);
        out.println("== threads");
        ThreadedRequests.run(out);
        out.println("== queueRequest");
        QueuedReports.run(out);
        out.println("== quota headers");
        quotaHeaders(out);
        out.println("== YAML validation");
        ValidateConfig.run(out);
        out.println("== @DefaultLimits");
        DefaultLimitsProxy.run(out);
    }

    private static void quotaHeaders(PrintStream out) {
        MockClock clock = new MockClock();
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(3, Rate.perMinute(3))).clock(clock).build()) {
            out.println("fresh: " + QuotaHeaders.headersFor(limiter, clock, "dev-42"));
            for (int i = 0; i < 3; i++) limiter.tryAcquire("dev-42");
            out.println("after 3: " + QuotaHeaders.headersFor(limiter, clock, "dev-42"));
            clock.advance(Duration.ofSeconds(15));
            out.println("15 s later: " + QuotaHeaders.headersFor(limiter, clock, "dev-42"));
        }
    }
}
