package dev.limiter.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Map;
import java.util.TreeMap;

/** Counts the commands a Redis server ran, from {@code INFO commandstats}. */
final class RedisCommandStats implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;

    RedisCommandStats(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
        redis = connection.sync();
    }

    /** Deletes every key and zeroes the counters. */
    void reset() {
        redis.flushall();
        redis.configResetstat();
    }

    /** Returns calls per command since the last {@link #reset}, leaving out the ones this class sends. */
    Map<String, Long> calls() {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : redis.info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String command = line.substring("cmdstat_".length(), line.indexOf(':'));
            if (command.equals("info") || command.startsWith("config") || command.equals("flushall")
                    || command.equals("hello") || command.startsWith("client")) {
                continue;
            }
            String fields = line.substring(line.indexOf(':') + 1);
            for (String field : fields.split(",")) {
                if (field.startsWith("calls=")) {
                    calls.put(command, Long.parseLong(field.substring("calls=".length())));
                }
            }
        }
        return calls;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
