package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimitExceededException;
import dev.limiter.RateLimiter;
import java.time.Duration;

/**
 * {@code queueRequest} with a {@code Callable}: the call waits its turn for a permit (here at
 * most a second), then runs on the calling thread; when no permit can come in time it throws
 * {@link RateLimitExceededException} at once, carrying the Retry-After.
 */
public final class QueuedReports {
    private QueuedReports() {}

    /** Generates three reports one permit at a time (100 ms apart), then asks for an export that cannot wait. */
    public static void run() throws Exception {
        // snippet:java-queue-request
        LimitPolicy reports = LimitPolicy.tokenBucket(1, Rate.perSecond(10));
        try (BlockingRateLimiter limiter = RateLimiter.create(reports)) {
            for (int i = 1; i <= 3; i++) {
                int report = i;
                String result = limiter.queueRequest("reports", 0, Duration.ofSeconds(1),
                        () -> "report " + report + " generated");
                System.out.println(result);
            }
        }

        LimitPolicy exports = LimitPolicy.tokenBucket(1, Rate.perHour(1));
        try (BlockingRateLimiter limiter = RateLimiter.create(exports)) {
            limiter.tryAcquire("exports"); // the hour's only export
            try {
                limiter.queueRequest("exports", 0, Duration.ofSeconds(1), () -> "never generated");
            } catch (RateLimitExceededException e) {
                long minutes = (e.getRetryAfter().toSeconds() + 59) / 60;
                System.out.println("export refused at once (" + e.getDecision().getReason() + "), retry in " + minutes + " min");
            }
        }
        // end-snippet
    }
}
