package dev.limiter.bench;

import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.protocol.ProtocolKeyword;
import java.net.SocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the commands a Lettuce client sends, by type: the round trips a decision costs.
 *
 * <p>{@code INFO commandstats} on the server also counts the commands a Lua script runs
 * ({@code redis.call}), so it measures server work, not round trips; this counter sees only
 * what crosses the network.
 */
final class ClientCommandCounter implements CommandLatencyRecorder {
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void recordCommandLatency(SocketAddress local, SocketAddress remote, ProtocolKeyword commandType,
                                     long firstResponseLatency, long completionLatency) {
        counts.computeIfAbsent(commandType.toString().toLowerCase(java.util.Locale.ROOT), k -> new LongAdder())
                .increment();
    }

    /** Forgets every count. */
    void reset() {
        counts.clear();
    }

    /** Returns commands sent per type since the last {@link #reset}, without connection setup. */
    Map<String, Long> counts() {
        Map<String, Long> result = new TreeMap<>();
        counts.forEach((command, n) -> {
            if (!command.equals("hello") && !command.equals("client")) {
                result.put(command, n.sum());
            }
        });
        return result;
    }
}
