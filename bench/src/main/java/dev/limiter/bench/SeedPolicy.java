package dev.limiter.bench;

import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;

/** The seed's {@code free} policy, a token bucket of 40 refilled at 10/s, in each library. */
final class SeedPolicy {
    static final long CAPACITY = 40;
    static final long REFILL_PER_SECOND = 10;

    private SeedPolicy() {}

    /** Returns the policy for our limiter. */
    static LimitPolicy limiter() {
        return LimitPolicy.tokenBucket(CAPACITY, Rate.perSecond(REFILL_PER_SECOND)).named("free");
    }

    /** Returns the same policy as a Bucket4j configuration. */
    static BucketConfiguration bucket4jConfiguration() {
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(CAPACITY)
                        .refillGreedy(REFILL_PER_SECOND, Duration.ofSeconds(1)).build())
                .build();
    }
}
