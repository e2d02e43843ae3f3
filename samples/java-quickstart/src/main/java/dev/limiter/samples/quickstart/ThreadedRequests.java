package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import dev.limiter.testing.MockClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Eight threads share one limiter: exactly the capacity is granted, however the threads
 * interleave. The clock stands still (a {@link MockClock}) so no permit refills mid-run and the
 * count is exact.
 */
public final class ThreadedRequests {
    private ThreadedRequests() {}

    /** Runs 8 threads of 50 requests against a capacity of 100 and prints how many were allowed. */
    public static int run() throws Exception {
        // snippet:java-threads
        LimitPolicy policy = LimitPolicy.tokenBucket(100, Rate.perMinute(100));
        BlockingRateLimiter limiter = RateLimiter.builder(policy).clock(new MockClock()).build();
        AtomicInteger allowed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (limiter) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        if (limiter.tryAcquire("shared").isAllowed()) allowed.incrementAndGet();
                    }
                }));
            }
            for (Future<?> worker : workers) worker.get();
        } finally {
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        System.out.println("allowed " + allowed.get() + " of 400 requests from 8 threads");
        // end-snippet
        return allowed.get();
    }
}
