package dev.limiter.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.BackendState;
import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.FaultToleranceMode;
import dev.limiter.FaultToleranceSettings;
import dev.limiter.FaultTolerantBucketStore;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import dev.limiter.redis.harness.RedisHarness;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Java callers connect, configure and share a Redis store without touching Kotlin-only types. */
class RedisBucketStoreJavaTest {
    private final LimitPolicy policy = LimitPolicy.tokenBucket(3, Rate.perHour(1));

    @Test
    void connectsByUriAndLimitsThroughTheBlockingFacade() {
        RedisStoreOptions options = new RedisStoreOptions()
                .withKeyPrefix("java-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(this))
                .withUsageCounters(Duration.ofHours(1));
        try (RedisBucketStore store = RedisBucketStore.connect(RedisHarness.INSTANCE.getUri(), options);
             BlockingRateLimiter limiter = RateLimiter.builder(policy).store(store).build()) {
            FaultTolerantBucketStore tolerant = store.enableFaultTolerance(FaultToleranceMode.LOCAL,
                    new FaultToleranceSettings().withCommandTimeout(Duration.ofMillis(200)));
            assertEquals(BackendState.PRIMARY, store.getBackendState());
            assertEquals(BackendState.PRIMARY, tolerant.getState());
            assertTrue(limiter.tryAcquire("dev-42", 3).isAllowed());
            Decision denied = limiter.tryAcquire("dev-42");
            assertFalse(denied.isAllowed());
            // One token an hour, counted on Redis's clock from the first request.
            assertTrue(denied.getRetryAfter().compareTo(Duration.ofMinutes(59)) > 0, denied.toString());
            assertTrue(denied.getRetryAfter().compareTo(Duration.ofHours(1)) <= 0, denied.toString());
            assertEquals(0, limiter.getRemainingQuota("dev-42"));
        }
    }

    @Test
    void tryAcquireAsyncGrantsExactlyTheBucketOnRedis() {
        RedisStoreOptions options = new RedisStoreOptions()
                .withKeyPrefix("java-async-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(this));
        LimitPolicy tenPerHour = LimitPolicy.tokenBucket(10, Rate.perHour(1));
        try (RedisBucketStore store = RedisBucketStore.connect(RedisHarness.INSTANCE.getUri(), options);
             BlockingRateLimiter limiter = RateLimiter.builder(tenPerHour).store(store).build()) {
            // 25 calls at once on one key: exactly the bucket's 10 are granted, whatever the batching.
            java.util.List<CompletableFuture<Decision>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 25; i++) calls.add(limiter.tryAcquireAsync("dev-async"));
            long granted = calls.stream().map(CompletableFuture::join).filter(Decision::isAllowed).count();
            assertEquals(10, granted);
            Decision refused = limiter.tryAcquireAsync("dev-async", 1).join();
            assertFalse(refused.isAllowed());
            assertTrue(refused.getRetryAfter().compareTo(Duration.ofMinutes(5)) > 0, refused.toString());
            // Another key's bucket is untouched, and what Redis holds is what the blocking view reads.
            assertEquals(10, limiter.tryAcquireAsync("dev-other", 1).join().getRemaining() + 1);
            assertEquals(0, limiter.getRemainingQuota("dev-async"));
        }
    }

    @Test
    void acceptsTheCallersOwnConnectionAndLeavesItOpen() {
        RedisClient client = RedisClient.create(RedisHarness.INSTANCE.getUri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisStoreOptions options = new RedisStoreOptions()
                    .withKeyPrefix("java-own-" + ProcessHandle.current().pid())
                    .withTimeSource(RedisStoreOptions.TimeSource.CLIENT);
            RedisBucketStore store = RedisBucketStore.of(connection, options);
            BlockingRateLimiter limiter = RateLimiter.builder(policy).store(store).build();
            assertTrue(limiter.tryAcquire("k").isAllowed());
            store.close();
            assertEquals("PONG", connection.sync().ping());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void badOptionsNameTheFieldTheValueAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RedisStoreOptions().withKeyPrefix("a{b}"));
        assertTrue(e.getMessage().contains("keyPrefix"), e.getMessage());
        assertTrue(e.getMessage().contains("a{b}"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RedisBucketStore.connect("http://localhost:6379"));
    }
}
