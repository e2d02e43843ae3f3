package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;

/** The first limiter: five requests per minute for one developer, closed by try-with-resources. */
public final class FirstLimiter {
    private FirstLimiter() {}

    /** Makes seven requests for {@code dev-42}; the first five are allowed, the last two denied. */
    public static void run() {
        // snippet:getting-started-java
        LimitPolicy policy = LimitPolicy.tokenBucket(5, Rate.parse("5/min"));
        try (BlockingRateLimiter limiter = RateLimiter.create(policy)) {
            for (int i = 1; i <= 7; i++) {
                Decision decision = limiter.tryAcquire("dev-42");
                if (decision.isAllowed()) {
                    System.out.println("request " + i + ": allowed, " + decision.getRemaining() + " left");
                } else {
                    long seconds = (decision.getRetryAfter().toMillis() + 999) / 1000; // round up, as Retry-After does
                    System.out.println("request " + i + ": denied, retry in " + seconds + " s");
                }
            }
        }
        // end-snippet
    }
}
