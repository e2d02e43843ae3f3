package dev.limiter.adaptive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Java writes a LoadSignal as a lambda, combines signals with LoadSignal.max, and feeds the built-in ones. */
class LoadSignalJavaTest {
    @Test
    void aLambdaIsASignalAndMaxTakesTheMostLoaded() {
        LoadSignal queue = () -> 0.4;
        LoadSignal pool = () -> 0.7;
        assertEquals(0.7, LoadSignal.max(queue, pool).load());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, LoadSignal::max);
        assertTrue(e.getMessage().startsWith("LoadSignal.max needs at least one signal"), e.getMessage());
    }

    @Test
    void theJvmSignalsReadALoadOfAtLeastZero() {
        assertTrue(LoadSignal.cpu().load() >= 0.0); // 0 where the JVM cannot read the CPU load
        assertTrue(LoadSignal.heap().load() >= 0.0);
    }

    @Test
    void latencyAndErrorRateAreFedFromJavaOnAMockClock() {
        MockClock clock = new MockClock();
        LatencySignal latency = LoadSignal.latency(Duration.ofMillis(100), Duration.ofSeconds(10), clock);
        for (int i = 0; i < 10; i++) latency.record(Duration.ofMillis(200));
        assertEquals(2.0, latency.load(), 0.05);

        ErrorRateSignal errors = LoadSignal.errorRate(0.5, Duration.ofSeconds(10), 4, clock);
        errors.record(true);
        errors.record(false);
        errors.record(false);
        assertEquals(0.0, errors.load()); // fewer than 4 responses: no opinion yet
        errors.record(true);
        assertEquals(1.0, errors.load()); // half failed, at the 0.5 threshold
    }

    @Test
    void aScriptedSignalDrivesTheFactorStepByStep() {
        double[] loads = {0.9, 0.9, 0.1};
        int[] step = {0};
        MockClock clock = new MockClock();
        AdaptiveLimits adaptive = new AdaptiveLimits(() -> loads[step[0]++], new AdaptiveSettings(), clock);
        List<Double> path = new ArrayList<>();
        for (int i = 0; i < loads.length; i++) {
            clock.advance(Duration.ofSeconds(1));
            path.add(adaptive.getFactor());
        }
        assertEquals(List.of(0.75, 0.562, 0.612), path);
    }
}
