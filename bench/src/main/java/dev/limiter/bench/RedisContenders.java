package dev.limiter.bench;

import java.util.LinkedHashMap;
import java.util.Map;
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
    static Map<String, BiFunction<String, ClientResources, Contender>> all() {
        Map<String, BiFunction<String, ClientResources, Contender>> all = new LinkedHashMap<>();
        all.put("floor-one-get", RoundTripFloor::new);
        all.put("limiter", LimiterRedisContender::new);
        all.put("bucket4j-lettuce", (uri, resources) -> new Bucket4jRedisContender(uri, resources, SeedPolicy.bucket4jConfiguration()));
        return all;
    }
}
