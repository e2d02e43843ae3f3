package dev.limiter.samples.quickstart;

import dev.limiter.Caller;
import dev.limiter.Decision;
import dev.limiter.RateLimits;
import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Waiting in the engine's queue instead of being refused, bounded by a {@code java.time.Duration}. */
public final class EngineQueue {
    private EngineQueue() {}

    /** One report an hour: the second waits for the next permit, the third gives up after its 5 minutes. */
    public static void run() throws Exception {
        LimitsConfig config = LimitsConfig.parse(FollowConfig.yaml(1));
        MockClock clock = new MockClock();
        // snippet:java-engine-queue
        try (RateLimits limits = RateLimits.builder(config).clock(clock).build()) {
            Caller dev = Caller.apiKey("dev-42");
            Decision first = limits.checkQueuedBlocking(dev, Duration.ofMinutes(90));
            CompletableFuture<Decision> second = limits.checkQueuedAsync(dev, Duration.ofMinutes(90));
            CompletableFuture<Decision> third = limits.checkQueuedAsync(dev, Duration.ofMinutes(5));
            clock.advance(Duration.ofHours(1));
            System.out.println("first: " + (first.isAllowed() ? "granted" : "refused"));
            System.out.println("second: " + (second.get(5, TimeUnit.SECONDS).isAllowed() ? "granted after an hour" : "refused"));
            System.out.println("third: " + third.get(5, TimeUnit.SECONDS).getReason());
        }
        // end-snippet
    }
}
