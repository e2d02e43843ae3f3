package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.LimiterClock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an API tells a developer about their quota: requests left and, when none are, the
 * Retry-After in whole seconds (rounded up, as HTTP wants it).
 */
public final class QuotaHeaders {
    private QuotaHeaders() {}

    /**
     * Returns {@code X-RateLimit-Remaining} for {@code key}, plus {@code Retry-After} when no
     * request is left; reads the limiter without taking anything.
     */
    // snippet:java-quota-headers
    public static Map<String, String> headersFor(BlockingRateLimiter limiter, LimiterClock clock, String key) {
        Map<String, String> headers = new LinkedHashMap<>();
        long left = limiter.getRemainingQuota(key);
        headers.put("X-RateLimit-Remaining", Long.toString(left));
        if (left == 0) {
            Instant next = limiter.nextAvailableTimestamp(key);
            Instant now = Instant.EPOCH.plusNanos(clock.nowNanos());
            long millis = Math.max(0, Duration.between(now, next).toMillis());
            headers.put("Retry-After", Long.toString((millis + 999) / 1000));
        }
        return headers;
    }
    // end-snippet
}
