package dev.limiter.bench;

import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;

/**
 * One policy expressed in every library, so that each peer does the same work.
 *
 * <p>{@link #ALLOWED}: a token bucket of 10^9 tokens refilled at 10^9/s, so every call is
 * granted and the benchmark measures the decision path. {@link #DENIED}: 100 tokens refilled
 * at 100/s, so after the first 100 calls nearly every call is denied.
 *
 * <p>Where semantics differ: Bucket4j ({@code refillGreedy}) is the same continuous token
 * bucket as ours. Resilience4j's {@code AtomicRateLimiter} is a fixed-cycle limiter: it hands
 * out {@code limitForPeriod} permits per {@code limitRefreshPeriod} with no carry-over, so the
 * allowed case uses 10^6 permits per 1 ms. Guava's {@code RateLimiter} is a smooth limiter that
 * stores at most one second of permits and starts empty; its {@code tryAcquire()} grants when
 * the next free slot is now.
 */
public enum Scenario {
    /** Every call is granted. */
    ALLOWED(1_000_000_000L, 1_000_000_000L, 1_000_000, Duration.ofMillis(1)),
    /** Nearly every call is denied. */
    DENIED(100L, 100L, 100, Duration.ofSeconds(1));

    private final long capacity;
    private final long refillPerSecond;
    private final int cyclePermits;
    private final Duration cycle;

    Scenario(long capacity, long refillPerSecond, int cyclePermits, Duration cycle) {
        this.capacity = capacity;
        this.refillPerSecond = refillPerSecond;
        this.cyclePermits = cyclePermits;
        this.cycle = cycle;
    }

    /** Returns this scenario as a limiter policy. */
    public LimitPolicy policy() {
        return LimitPolicy.tokenBucket(capacity, Rate.perSecond(refillPerSecond));
    }

    /** Returns a new Bucket4j lock-free local bucket (its default synchronization). */
    public Bucket bucket4j() {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity)
                        .refillGreedy(refillPerSecond, Duration.ofSeconds(1)).build())
                .build();
    }

    /** Returns the Bucket4j bandwidth configuration of this scenario. */
    public io.github.bucket4j.BucketConfiguration bucket4jConfiguration() {
        return io.github.bucket4j.BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(capacity)
                        .refillGreedy(refillPerSecond, Duration.ofSeconds(1)).build())
                .build();
    }

    /** Returns a new Resilience4j atomic limiter that never waits. */
    public AtomicRateLimiter resilience4j(String name) {
        return new AtomicRateLimiter(name, RateLimiterConfig.custom()
                .limitForPeriod(cyclePermits)
                .limitRefreshPeriod(cycle)
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    /** Returns a new Guava limiter at the refill rate. */
    @SuppressWarnings("UnstableApiUsage")
    public com.google.common.util.concurrent.RateLimiter guava() {
        return com.google.common.util.concurrent.RateLimiter.create(refillPerSecond);
    }
}
