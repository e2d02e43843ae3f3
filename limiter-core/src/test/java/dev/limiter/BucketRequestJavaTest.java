package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A store written in Java receives a request's levels as BucketRequests, all in one call. */
class BucketRequestJavaTest {
    /** Records each tryConsumeAll call's requests, then decides with AsyncBucketStoreJavaTest's quota store. */
    static final class RecordingStore implements AsyncBucketStore {
        final AsyncBucketStoreJavaTest.QuotaStore quota = new AsyncBucketStoreJavaTest.QuotaStore();
        final List<List<String>> calls = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<List<Decision>> tryConsumeAllAsync(List<BucketRequest> requests, long nowMicros) {
            List<String> call = new ArrayList<>();
            for (BucketRequest r : requests) call.add(r.getKey() + " " + r.getPolicy().getName() + " x" + r.getPermits());
            calls.add(call);
            return quota.tryConsumeAllAsync(requests, nowMicros);
        }

        @Override
        public CompletableFuture<Decision> tryConsumeAsync(String key, LimitPolicy policy, long permits, long nowMicros) {
            return quota.tryConsumeAsync(key, policy, permits, nowMicros);
        }

        @Override
        public CompletableFuture<BucketSnapshot> inspectAsync(String key, LimitPolicy policy, long permits, long nowMicros) {
            return quota.inspectAsync(key, policy, permits, nowMicros);
        }

        @Override
        public CompletableFuture<Void> resetAsync(String key, LimitPolicy policy) {
            return quota.resetAsync(key, policy);
        }
    }

    @Test
    void requestsAreValues() {
        LimitPolicy free = LimitPolicy.tokenBucket(5, Rate.perMinute(5)).named("free");
        BucketRequest request = new BucketRequest("dev-1", free, 2);
        assertEquals(new BucketRequest("dev-1", free, 2), request);
        assertEquals("dev-1", request.getKey());
        assertEquals(free, request.getPolicy());
        assertEquals(2, request.getPermits());
    }

    @Test
    void theEngineSendsTheKeysLevelAndTheCeilingTogetherAndAJavaStoreChargesBothOrNeither() {
        LimitsConfig config = LimitsConfig.parse(String.join("\n",
                "policies:",
                "  free: { algorithm: fixed-window, limit: 5, window: 1h }",
                "default-policy: free",
                "global: { algorithm: fixed-window, limit: 1, window: 1h }",
                "endpoints: { \"POST /reports\": { cost: 1 } }",
                ""));
        RecordingStore java = new RecordingStore();
        try (RateLimits limits = RateLimits.builder(config).store(BucketStore.fromAsync(java)).clock(new MockClock()).build()) {
            assertTrue(limits.checkBlocking("dev-1", "POST /reports").isAllowed());
            Decision second = limits.checkBlocking("dev-2", "POST /reports");
            assertFalse(second.isAllowed());
        }
        assertEquals(List.of(List.of("dev-1 free x1", "limiter:global-ceiling global x1"), List.of("dev-2 free x1", "limiter:global-ceiling global x1")), java.calls);
        assertEquals(null, java.quota.used.get("dev-2")); // refused by the ceiling, so dev-2's own level was not charged
    }
}
