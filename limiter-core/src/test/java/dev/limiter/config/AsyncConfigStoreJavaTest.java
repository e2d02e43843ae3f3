package dev.limiter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.LocalBucketStore;
import dev.limiter.RateLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Java implements a config store through AsyncConfigStore and uses any store through ConfigStores.async. */
class AsyncConfigStoreJavaTest {
    private static String yaml(int capacity) {
        return "policies:\n  free: { algorithm: token-bucket, capacity: " + capacity + ", refill: 1/s }\ndefault-policy: free\n";
    }

    /** A Java store holding one version, as a team might back it with its own database. */
    static final class FixedStore implements AsyncConfigStore {
        final VersionedConfig only = new VersionedConfig(4, yaml(8), LimitsConfig.parse(yaml(8)), Instant.EPOCH, "java");
        final List<Consumer<VersionedConfig>> listeners = new CopyOnWriteArrayList<>();

        @Override public CompletableFuture<VersionedConfig> currentAsync() { return CompletableFuture.completedFuture(only); }
        @Override public CompletableFuture<PublishResult> publishAsync(String yaml, Long expectedVersion, String author) {
            return CompletableFuture.completedFuture(new PublishResult.Conflict(only.getVersion()));
        }
        @Override public CompletableFuture<List<VersionedConfig>> historyAsync(int limit) { return CompletableFuture.completedFuture(List.of(only)); }
        @Override public AutoCloseable subscribe(Consumer<VersionedConfig> listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }
        @Override public void close() {}
    }

    @Test
    void anEngineFollowsAStoreWrittenInJava() throws Exception {
        try (RateLimits limits = new RateLimits(LimitsConfig.parse(yaml(1)), new LocalBucketStore());
             AutoCloseable following = limits.follow(ConfigStores.fromAsync(new FixedStore()))) {
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (limits.getConfig().getPolicies().get("free").getCapacity() != 8 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(8, limits.getConfig().getPolicies().get("free").getCapacity());
        }
    }

    @Test
    void javaPublishesThroughTheAsyncView() throws Exception {
        AsyncConfigStore store = ConfigStores.async(new InMemoryConfigStore());
        PublishResult first = store.publishAsync(yaml(3), null, "java").get();
        assertInstanceOf(PublishResult.Published.class, first);
        assertInstanceOf(PublishResult.Conflict.class, store.publishAsync(yaml(4), null, "java").get());
        assertInstanceOf(PublishResult.Invalid.class, store.publishAsync("nope: [", 1L, "java").get());
        List<Long> versions = new ArrayList<>();
        for (VersionedConfig v : store.historyAsync(10).get()) versions.add(v.getVersion());
        assertEquals(List.of(1L), versions);
        assertTrue(store.currentAsync().get().getYaml().contains("capacity: 3"));
        store.close();
    }
}
