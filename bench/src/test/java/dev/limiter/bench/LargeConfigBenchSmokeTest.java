package dev.limiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Smoke mode of the large-config benchmark: a small config reaches all three nodes, every round. */
class LargeConfigBenchSmokeTest {
    @Test
    @DisplayName("a config of 1,000 key assignments is published and applied on three nodes")
    void smallConfigReachesEveryNode() {
        // -DconfigBench.keys=10000 -DconfigBench.rounds=10 runs the real measurement (bench/config-results.md).
        int keys = Integer.getInteger("configBench.keys", 1_000);
        int count = Integer.getInteger("configBench.rounds", 2);
        List<LargeConfigBench.Round> rounds = LargeConfigBench.run(keys, count);
        assertEquals(count, rounds.size());
        LargeConfigBench.print(keys, rounds);
        for (LargeConfigBench.Round round : rounds) {
            assertTrue(round.getAppliedEverywhereMillis() >= round.getPublishMillis(), "applied everywhere only after the publish returned");
        }
    }
}
