package dev.limiter.bench;

import java.util.List;
import java.util.function.Function;

/**
 * The Redis-backed limiters compared, each applying the seed's {@code free} policy (a token
 * bucket of 40 refilled at 10/s) per key.
 */
final class RedisContenders {
    private RedisContenders() {}

    /** Returns a factory per contender, taking the Redis URI. */
    static List<Function<String, Contender>> all() {
        return List.of(
                LimiterRedisContender::new,
                uri -> new Bucket4jRedisContender(uri, SeedPolicy.bucket4jConfiguration()));
    }
}
