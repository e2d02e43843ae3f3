package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import java.time.Duration;
import java.util.concurrent.Callable;

/** The README's Java example. */
public final class ReadmeExample {
    private ReadmeExample() {}

    /** Runs the example: prints the first decision, then what the queued call returned. */
    public static void run(Callable<String> callApi) throws Exception {
        // snippet:readme-java
        try (BlockingRateLimiter limiter = RateLimiter.create(LimitPolicy.tokenBucket(10, Rate.parse("10/s")))) {
            Decision decision = limiter.tryAcquire("dev-42");
            if (decision.isAllowed()) System.out.println("allowed, " + decision.getRemaining() + " left");
            else System.out.println("slow down, retry after " + decision.getRetryAfter());

            limiter.acquire("dev-42"); // blocks until a permit is free
            String result = limiter.queueRequest("dev-42", 10, Duration.ofSeconds(2), callApi);
            System.out.println(result);
        }
        // end-snippet
    }
}
