package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code queueRequestAsync}: queue without blocking a thread; each future completes with its
 * decision when the permit is granted (or {@code maxWait} runs out).
 */
public final class AsyncQueue {
    private AsyncQueue() {}

    /** Queues four uploads for a bucket of 2 refilled 20 per second; the last two complete about 50 ms apart. */
    public static void run() throws Exception {
        // snippet:java-queue-async
        try (BlockingRateLimiter limiter = RateLimiter.create(LimitPolicy.tokenBucket(2, Rate.perSecond(20)))) {
            List<CompletableFuture<String>> uploads = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                int upload = i;
                uploads.add(limiter.queueRequestAsync("uploads", 0, Duration.ofSeconds(1))
                        .thenApply(decision -> "upload " + upload + (decision.isAllowed() ? " sent" : " refused")));
            }
            CompletableFuture.allOf(uploads.toArray(new CompletableFuture<?>[0])).join();
            for (CompletableFuture<String> upload : uploads) System.out.println(upload.join());
        }
        // end-snippet
    }
}
