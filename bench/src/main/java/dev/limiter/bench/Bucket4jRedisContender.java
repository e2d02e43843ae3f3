package dev.limiter.bench;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bucket4j's Lettuce proxy manager (compare-and-swap, the only Lettuce mode it has), with TTLs
 * as its documentation recommends. Bucket proxies are cached per key, as users do.
 */
final class Bucket4jRedisContender implements Contender {
    private final RedisClient client;
    private final LettuceBasedProxyManager<byte[]> proxies;
    private final BucketConfiguration configuration;
    private final ConcurrentHashMap<String, io.github.bucket4j.distributed.BucketProxy> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, io.github.bucket4j.distributed.AsyncBucketProxy> asyncBuckets = new ConcurrentHashMap<>();

    Bucket4jRedisContender(String uri, ClientResources resources, BucketConfiguration configuration) {
        this.client = RedisClient.create(resources, uri);
        this.configuration = configuration;
        this.proxies = Bucket4jLettuce.casBasedBuilder(client)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
    }

    @Override
    public String name() {
        return "bucket4j-lettuce";
    }

    @Override
    public boolean decide(String key) {
        return buckets.computeIfAbsent(key, k -> proxies.builder()
                        .build(("limiter-bench:" + k).getBytes(StandardCharsets.UTF_8), () -> configuration))
                .tryConsume(1);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Boolean> decideAsync(String key) {
        return asyncBuckets.computeIfAbsent(key, k -> proxies.asAsync().builder()
                        .build(("limiter-bench:" + k).getBytes(StandardCharsets.UTF_8),
                                () -> java.util.concurrent.CompletableFuture.completedFuture(configuration)))
                .tryConsume(1);
    }

    @Override
    public void close() {
        client.shutdown();
    }
}
