package dev.limiter.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.limiter.config.AsyncConfigStore;
import dev.limiter.config.ConfigStores;
import dev.limiter.config.PublishResult;
import dev.limiter.redis.harness.RedisHarness;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Java connects a RedisConfigStore, or derives one from a bucket store, and publishes through futures. */
class RedisConfigStoreJavaTest {
    private static final String YAML = "policies:\n  free: { algorithm: token-bucket, capacity: 3, refill: 1/s }\ndefault-policy: free\n";

    @Test
    void publishesAndReadsThroughFutures() throws Exception {
        String prefix = "java-cfg-" + System.nanoTime();
        try (RedisBucketStore buckets = RedisBucketStore.connect(RedisHarness.INSTANCE.getUri(), new RedisStoreOptions().withKeyPrefix(prefix));
             AsyncConfigStore store = ConfigStores.async(RedisConfigStores.configStore(buckets, Duration.ofSeconds(1)))) {
            PublishResult result = store.publishAsync(YAML, null, "java").get();
            assertInstanceOf(PublishResult.Published.class, result);
            assertEquals(1L, store.currentAsync().get().getVersion());
            assertEquals("java", store.historyAsync(5).get().get(0).getAuthor());
            assertInstanceOf(PublishResult.Conflict.class, store.publishAsync(YAML, 0L, "java").get());
        }
    }
}
