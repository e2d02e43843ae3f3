package dev.limiter.samples.quickstart;

import dev.limiter.LocalBucketStore;
import dev.limiter.RateLimitExceededException;
import dev.limiter.RateLimitedProxy;
import dev.limiter.testing.MockClock;

/** A {@code @DefaultLimits} proxy: the third report in an hour is refused before it reaches the service. */
public final class DefaultLimitsProxy {
    private DefaultLimitsProxy() {}

    /** Calls {@code generate} three times and {@code status} once through a limiting proxy. */
    public static void run() {
        ReportsApi service = new ReportsApi() {
            @Override public String generate(String developerId) { return "report for " + developerId; }
            @Override public String status(String reportId) { return reportId + ": done"; }
        };
        // The mock clock keeps the hour from moving while the sample runs; omit it in production.
        MockClock clock = new MockClock();
        // snippet:java-default-limits-proxy
        ReportsApi limited = RateLimitedProxy.create(ReportsApi.class, service, new LocalBucketStore(), clock);
        System.out.println(limited.generate("dev-42"));
        System.out.println(limited.generate("dev-42"));
        try {
            limited.generate("dev-42");
        } catch (RateLimitExceededException e) {
            System.out.println("third report refused, retry in " + e.getRetryAfter().toMinutes() + " min");
        }
        System.out.println(limited.status("r-1"));
        // end-snippet
    }
}
