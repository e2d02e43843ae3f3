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
 * <p>{@link #ALLOWED}: a deep token bucket (10^9 tokens, refilled at 1/s, so no key's bucket is ever full again during a run), so every call
 * of a run is granted and the benchmark measures the decision path. {@link #DENIED}: 100
 * tokens refilled at 100/s, so after the first 100 calls nearly every call is denied.
 * {@link #REFILLED}: 10^9 tokens refilled at 10^9/s, so a bucket is full again before its key
 * comes back, as in the seed's traffic where each of 12,000 keys calls every few seconds; our
 * store drops a full bucket (it behaves exactly like a new one) and builds it again on the next
 * call, and this scenario measures that.
 *
 * <p>Where semantics differ: Bucket4j ({@code refillGreedy}) is the same continuous token
 * bucket as ours. Resilience4j's {@code AtomicRateLimiter} is a fixed-cycle limiter: it hands
 * out {@code limitForPeriod} permits per {@code limitRefreshPeriod} with no carry-over, so the
 * granting scenarios use 10^6 permits per 1 ms. Guava's {@code RateLimiter} is a smooth
 * limiter that stores at most one second of permits and starts empty, so it cannot hold a deep
 * bucket: the granting scenarios give it 10^9 permits/s (a free slot every nanosecond).
 */
public enum Scenario {
    /** Every call is granted, from a deep bucket. */
    ALLOWED(1_000_000_000L, 1L, 1_000_000, Duration.ofMillis(1), 1e9),
    /** Nearly every call is denied. */
    DENIED(100L, 100L, 100, Duration.ofSeconds(1), 100),
    /** Every call is granted, from a bucket that is full again by the time its key returns. */
    REFILLED(1_000_000_000L, 1_000_000_000L, 1_000_000, Duration.ofMillis(1), 1e9);

    private final long capacity;
    private final long refillPerSecond;
    private final int cyclePermits;
    private final Duration cycle;
    private final double guavaPerSecond;

    Scenario(long capacity, long refillPerSecond, int cyclePermits, Duration cycle, double guavaPerSecond) {
        this.capacity = capacity;
        this.refillPerSecond = refillPerSecond;
        this.cyclePermits = cyclePermits;
        this.cycle = cycle;
        this.guavaPerSecond = guavaPerSecond;
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

    /** Returns a new Resilience4j atomic limiter that never waits. */
    public AtomicRateLimiter resilience4j(String name) {
        return new AtomicRateLimiter(name, RateLimiterConfig.custom()
                .limitForPeriod(cyclePermits)
                .limitRefreshPeriod(cycle)
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    /** Returns a new Guava limiter; see the class comment for its rate. */
    public com.google.common.util.concurrent.RateLimiter guava() {
        return com.google.common.util.concurrent.RateLimiter.create(guavaPerSecond);
    }
}
