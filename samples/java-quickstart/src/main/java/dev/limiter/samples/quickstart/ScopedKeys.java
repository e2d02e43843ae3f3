package dev.limiter.samples.quickstart;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import dev.limiter.testing.MockClock;

/** One limiter, one bucket per developer: {@code scopeByKey} binds a view to a key. */
public final class ScopedKeys {
    private ScopedKeys() {}

    /** Alice makes four requests against three a minute, Bob one; prints what each has left. */
    public static void run() {
        // The mock clock keeps the minute from moving while the sample runs; omit it in production.
        MockClock clock = new MockClock();
        // snippet:java-scope-by-key
        try (BlockingRateLimiter limiter = RateLimiter.builder(LimitPolicy.tokenBucket(3, Rate.perMinute(3))).clock(clock).build()) {
            BlockingRateLimiter.Scoped alice = limiter.scopeByKey("dev-alice");
            BlockingRateLimiter.Scoped bob = limiter.scopeByKey("dev-bob");
            for (int i = 0; i < 4; i++) alice.tryAcquire();
            bob.tryAcquire();
            System.out.println("alice: " + alice.getRemainingQuota() + " left, " + alice.getUsageStats());
            System.out.println("bob: " + bob.getRemainingQuota() + " left, " + bob.getUsageStats());
        }
        // end-snippet
    }
}
