package dev.limiter.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import java.util.concurrent.CompletableFuture;

/**
 * Not a limiter: one plain {@code GET} of the key per "decision", through the same Lettuce
 * client resources. It is the floor of the harness on this machine: what one round trip to
 * the same server costs the same load threads, with no script and no limiter code. A limiter
 * whose latency sits at this floor is as fast as one round trip allows.
 */
final class RoundTripFloor implements Contender {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RoundTripFloor(String uri, ClientResources resources) {
        client = RedisClient.create(resources, uri);
        connection = client.connect();
    }

    @Override
    public String name() {
        return "floor-one-get";
    }

    @Override
    public boolean decide(String key) {
        connection.sync().get("limiter-bench:floor:" + key);
        return true;
    }

    @Override
    public CompletableFuture<Boolean> decideAsync(String key) {
        return connection.async().get("limiter-bench:floor:" + key).thenApply(value -> true).toCompletableFuture();
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
