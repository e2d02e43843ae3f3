package dev.limiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Smoke mode of the Redis load suite, part of {@code ./mvnw verify}: every contender makes
 * decisions against a real Redis server (started from the embedded-redis jar) for one second
 * per load, without errors; commands are counted on the server ({@code INFO commandstats}) and as
 * sent by the client, and ours sends one per decision.
 */
class RedisLoadSmokeTest {

    @Test
    @DisplayName("every Redis contender decides under a closed, an async and an open loop and its commands are counted")
    void everyContenderDecides() throws Exception {
        RedisLoad.Settings settings = RedisLoad.Settings.parse(new String[] {
            "--seconds", "1", "--warmup", "0", "--callers", "4", "--async-callers", "4", "--rate", "200"});
        List<RedisLoad.Row> rows = RedisLoad.run(settings);

        assertEquals(RedisContenders.all().size() * 3, rows.size(), "a closed, an async and an open loop per contender");
        for (RedisLoad.Row row : rows) {
            String name = row.contender() + " " + row.load();
            assertEquals(0, row.result().errors(), name + " had errors");
            assertTrue(row.result().decisions() > 0, name + " made no decisions");
            assertTrue(row.result().allowed() > 0, name + " granted nothing although every key starts full");
            if (row.contender().equals("limiter")) {
                // Ours batches the decisions that arrive while a call is in flight: at most one
                // script call per decision, fewer when callers overlap (never more).
                assertTrue(row.roundTripsPerDecision() > 0 && row.roundTripsPerDecision() <= 1.01,
                        "at most one EVALSHA per decision, sent " + row.sent());
            } else {
                assertTrue(row.commandsPerDecision() >= 1.0, name + " ran " + row.commands() + " on Redis");
                assertTrue(row.roundTripsPerDecision() >= 1.0, name + " sent " + row.sent());
            }
        }
    }
}
