package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** A store written in Java, through CompletableFutures, adapted by BucketStore.fromAsync. */
class AsyncBucketStoreJavaTest {
    /** A fixed quota per key that never refills: enough to see the adapter carry every answer. */
    static final class QuotaStore implements AsyncBucketStore {
        final ConcurrentHashMap<String, Long> used = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<Decision> tryConsumeAsync(String key, LimitPolicy policy, long permits, long nowMicros) {
            return CompletableFuture.completedFuture(take(key, policy, permits));
        }

        @Override
        public synchronized CompletableFuture<List<Decision>> tryConsumeAllAsync(List<BucketRequest> requests, long nowMicros) {
            boolean all = requests.stream().allMatch(r -> used.getOrDefault(r.getKey(), 0L) + r.getPermits() <= r.getPolicy().getCapacity());
            List<Decision> out = new ArrayList<>();
            for (BucketRequest r : requests) {
                out.add(all ? take(r.getKey(), r.getPolicy(), r.getPermits()) : refuse(r.getKey(), r.getPolicy()));
            }
            return CompletableFuture.completedFuture(out);
        }

        @Override
        public CompletableFuture<BucketSnapshot> inspectAsync(String key, LimitPolicy policy, long permits, long nowMicros) {
            long left = policy.getCapacity() - used.getOrDefault(key, 0L);
            Duration wait = left >= permits ? Duration.ZERO : Duration.ofHours(1);
            return CompletableFuture.completedFuture(new BucketSnapshot(left, left, policy.getCapacity(), wait, Duration.ZERO));
        }

        @Override
        public CompletableFuture<Void> resetAsync(String key, LimitPolicy policy) {
            used.remove(key);
            return CompletableFuture.completedFuture(null);
        }

        private synchronized Decision take(String key, LimitPolicy policy, long permits) {
            long now = used.getOrDefault(key, 0L);
            if (now + permits > policy.getCapacity()) return refuse(key, policy);
            used.put(key, now + permits);
            return Decision.allowed(key, policy.getCapacity() - now - permits, policy.getCapacity());
        }

        private Decision refuse(String key, LimitPolicy policy) {
            return Decision.denied(key, DenyReason.LIMITED, Duration.ofHours(1), 0, policy.getCapacity());
        }
    }

    @Test
    void aLimiterDecidesThroughAStoreWrittenInJava() {
        QuotaStore quota = new QuotaStore();
        LimitPolicy policy = LimitPolicy.fixedWindow(2, Duration.ofHours(1));
        try (BlockingRateLimiter limiter = RateLimiter.builder(policy).store(BucketStore.fromAsync(quota)).clock(new MockClock()).build()) {
            assertTrue(limiter.tryAcquire("dev-42").isAllowed());
            assertEquals(1, limiter.getRemainingQuota("dev-42"));
            assertTrue(limiter.tryAcquire("dev-42").isAllowed());
            Decision third = limiter.tryAcquire("dev-42");
            assertFalse(third.isAllowed());
            assertEquals(Duration.ofHours(1), third.getRetryAfter());
            assertEquals(2L, quota.used.get("dev-42"));
        }
    }

    @Test
    void aSnapshotShowsJavaDurations() {
        BucketSnapshot snapshot = new BucketSnapshot(1.5, 1, 10, Duration.ofMillis(250), Duration.ofSeconds(3));
        assertEquals(Duration.ofMillis(250), snapshot.getRetryAfter());
        assertEquals(Duration.ofSeconds(3), snapshot.getResetAfter());
    }
}
