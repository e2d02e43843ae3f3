package dev.limiter.bench;

import java.util.List;
import io.lettuce.core.resource.ClientResources;
import java.util.function.BiFunction;

/**
 * The Redis-backed limiters compared, each applying the seed's {@code free} policy (a token
 * bucket of 40 refilled at 10/s) per key.
 */
final class RedisContenders {
    private RedisContenders() {}

    /**
     * Returns a factory per contender, taking the Redis URI and the client resources every
     * contender must build its Lettuce client from (they count its round trips).
     */
    static List<BiFunction<String, ClientResources, Contender>> all() {
        return List.of(
                LimiterRedisContender::new,
                (uri, resources) -> new Bucket4jRedisContender(uri, resources, SeedPolicy.bucket4jConfiguration()));
    }
}
