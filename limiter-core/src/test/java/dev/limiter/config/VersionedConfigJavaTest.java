package dev.limiter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.limiter.RateLimits;
import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Java reads versions and publish results, and waits for a followed version through follow's listener. */
class VersionedConfigJavaTest {
    private static String yaml(int capacity) {
        return "policies:\n  free: { algorithm: token-bucket, capacity: " + capacity + ", refill: 1/h }\ndefault-policy: free\n";
    }

    @Test
    void aPublishedVersionCarriesItsYamlConfigTimeAndAuthor() throws Exception {
        MockClock clock = new MockClock(Instant.parse("2026-01-01T00:00:00Z"));
        AsyncConfigStore store = ConfigStores.async(new InMemoryConfigStore(clock));
        PublishResult result = store.publishAsync(yaml(3), null, "ops").get();
        VersionedConfig version = assertInstanceOf(PublishResult.Published.class, result).getPublished();
        assertEquals(1, version.getVersion());
        assertEquals(yaml(3), version.getYaml());
        assertEquals(3, version.getConfig().getPolicies().get("free").getCapacity());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), version.getPublishedAt());
        assertEquals("ops", version.getAuthor());

        PublishResult.Invalid invalid = assertInstanceOf(PublishResult.Invalid.class,
                store.publishAsync("policies:\n  free: { algorithm: token-bucket, capacity: 0, refill: 1/h }\ndefault-policy: free\n", 1L, "ops").get());
        assertFalse(invalid.getReport().isValid());
        assertEquals("policies.free.capacity", invalid.getReport().getErrors().get(0).getPath());
        assertEquals(1, assertInstanceOf(PublishResult.Conflict.class, store.publishAsync(yaml(4), null, "late").get()).getCurrentVersion());
    }

    @Test
    void followTellsJavaEachVersionOnceItIsInForce() throws Exception {
        InMemoryConfigStore shared = new InMemoryConfigStore();
        AsyncConfigStore store = ConfigStores.async(shared);
        store.publishAsync(yaml(2), null, "ops").get();
        BlockingQueue<VersionedConfig> applied = new LinkedBlockingQueue<>();
        try (RateLimits limits = RateLimits.builder(LimitsConfig.parse(yaml(1))).clock(new MockClock()).build();
             AutoCloseable following = limits.follow(shared, applied::add)) {
            VersionedConfig first = applied.poll(5, TimeUnit.SECONDS);
            assertNotNull(first, "version 1 was not applied within 5 s");
            assertEquals(1, first.getVersion());
            assertEquals(2, limits.getConfig().getPolicies().get("free").getCapacity());

            store.publishAsync(yaml(6), 1L, "ops").get();
            VersionedConfig second = applied.poll(5, TimeUnit.SECONDS);
            assertNotNull(second, "version 2 was not applied within 5 s");
            assertEquals(2, second.getVersion());
            // Told after the version is in force, so the engine already enforces it.
            assertEquals(6, limits.checkBlocking("dev-1").getLimit());
        }
    }
}
