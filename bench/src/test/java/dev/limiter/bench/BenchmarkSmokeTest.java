package dev.limiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Smoke mode of the JMH suites, part of {@code ./mvnw verify}: every benchmark method runs once
 * for 100 ms in this JVM and must produce a positive score. The numbers are thrown away; only
 * {@code bench/run.sh} produces numbers worth reading.
 */
class BenchmarkSmokeTest {

    @Test
    @DisplayName("every local tryAcquire benchmark runs and scores, for every scenario")
    void localBenchmarksScore() throws RunnerException {
        assertEveryMethodScores(LocalSingleKeyBenchmark.class);
        assertEveryMethodScores(LocalManyKeysBenchmark.class);
    }

    @Test
    @DisplayName("every queue benchmark grants permits to its waiting threads")
    void queueBenchmarksScore() throws RunnerException {
        assertEveryMethodScores(QueueGrantBenchmark.class);
    }

    private static void assertEveryMethodScores(Class<?> benchmark) throws RunnerException {
        Options options = new OptionsBuilder()
                .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(options).run();

        Set<String> expected = expectedRuns(benchmark);
        Set<String> scored = new TreeSet<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark() + paramsOf(result);
            double score = result.getPrimaryResult().getScore();
            assertTrue(score > 0, name + " produced no work: score " + score);
            scored.add(name);
        }
        assertEquals(expected, scored, "every benchmark method and parameter must have run");
    }

    private static String paramsOf(RunResult result) {
        Collection<String> keys = result.getParams().getParamsKeys();
        return keys.stream().map(k -> "[" + k + "=" + result.getParams().getParam(k) + "]").collect(Collectors.joining());
    }

    /** Each benchmark method once per value of the class's (single) {@code @Param} field. */
    private static Set<String> expectedRuns(Class<?> benchmark) {
        Field param = Arrays.stream(benchmark.getFields())
                .filter(f -> f.isAnnotationPresent(Param.class))
                .findFirst().orElse(null);
        String[] variants = param == null ? new String[] {""}
                : Arrays.stream(param.getAnnotation(Param.class).value())
                        .map(v -> "[" + param.getName() + "=" + v + "]").toArray(String[]::new);
        Set<String> expected = new TreeSet<>();
        for (Method m : benchmark.getMethods()) {
            if (m.isAnnotationPresent(Benchmark.class)) {
                for (String variant : variants) {
                    expected.add(benchmark.getName() + "." + m.getName() + variant);
                }
            }
        }
        return expected;
    }
}
