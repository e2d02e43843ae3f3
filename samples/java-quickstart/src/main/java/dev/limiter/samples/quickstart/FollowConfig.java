package dev.limiter.samples.quickstart;

import dev.limiter.RateLimits;
import dev.limiter.config.AsyncConfigStore;
import dev.limiter.config.ConfigStores;
import dev.limiter.config.InMemoryConfigStore;
import dev.limiter.config.LimitsConfig;
import dev.limiter.config.PublishResult;
import dev.limiter.testing.MockClock;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Following a shared config: the engine keeps to a {@code ConfigStore}'s latest version, which
 * Java publishes through {@code ConfigStores.async} (a {@code RedisConfigStore} works the same
 * way across nodes).
 */
public final class FollowConfig {
    private FollowConfig() {}

    static String yaml(int capacity) {
        return "policies:\n  free: { algorithm: token-bucket, capacity: " + capacity + ", refill: " + capacity + "/h }\n"
                + "default-policy: free\n";
    }

    /** Publishes version 1 (2 an hour), follows it, then publishes version 2 (5 an hour) and sees it enforced. */
    public static void run() throws Exception {
        // snippet:java-follow-config
        InMemoryConfigStore shared = new InMemoryConfigStore();
        AsyncConfigStore store = ConfigStores.async(shared);
        store.publishAsync(yaml(2), null, "ops").get();

        BlockingQueue<Long> applied = new LinkedBlockingQueue<>();
        try (RateLimits limits = RateLimits.builder(LimitsConfig.parse(yaml(1))).clock(new MockClock()).build();
             AutoCloseable following = limits.follow(shared, version -> applied.add(version.getVersion()))) {
            System.out.println("version " + awaitVersion(applied) + " in force, dev-1 holds " + limits.checkBlocking("dev-1").getLimit());

            PublishResult result = store.publishAsync(yaml(5), 1L, "ops").get();
            if (result instanceof PublishResult.Published published) {
                System.out.println("published version " + published.getPublished().getVersion());
            }
            PublishResult stale = store.publishAsync(yaml(9), 1L, "someone else").get();
            if (stale instanceof PublishResult.Conflict conflict) {
                System.out.println("stale publish refused, the store is at version " + conflict.getCurrentVersion());
            }
            System.out.println("version " + awaitVersion(applied) + " in force, dev-2 holds " + limits.checkBlocking("dev-2").getLimit());
        }
        // end-snippet
    }

    /** Takes the next version the follower put in force; waits at most 5 s, so a broken follower fails the run. */
    private static long awaitVersion(BlockingQueue<Long> applied) throws InterruptedException {
        Long version = applied.poll(5, TimeUnit.SECONDS);
        if (version == null) throw new IllegalStateException("the follower applied no version within 5 s");
        return version;
    }
}
