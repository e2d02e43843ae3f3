package dev.limiter.bench;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.RateLimiter;
import dev.limiter.redis.RedisBucketStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;

/**
 * Our limiter on {@link RedisBucketStore} (one {@code EVALSHA} per decision, Redis {@code TIME}
 * as the clock, default options, the same as {@code RedisBucketStore.connect(uri)}), called through the Java facade like the Bucket4j contender.
 */
final class LimiterRedisContender implements Contender {
    private final RedisClient client;
    private final RedisBucketStore store;
    private final BlockingRateLimiter limiter;

    LimiterRedisContender(String uri, ClientResources resources) {
        client = RedisClient.create(resources, uri);
        store = RedisBucketStore.of(client);
        limiter = RateLimiter.builder(SeedPolicy.limiter()).store(store).build();
    }

    @Override
    public String name() {
        return "limiter";
    }

    @Override
    public boolean decide(String key) {
        return limiter.tryAcquire(key).isAllowed();
    }

    @Override
    public java.util.concurrent.CompletableFuture<Boolean> decideAsync(String key) {
        return limiter.tryAcquireAsync(key).thenApply(dev.limiter.Decision::isAllowed);
    }

    @Override
    public void close() {
        limiter.close();
        store.close();
        client.shutdown();
    }
}
