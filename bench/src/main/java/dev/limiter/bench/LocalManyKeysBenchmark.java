package dev.limiter.bench;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code tryAcquire} with a random key per call out of 12,000 (the seed's developer count).
 *
 * <p>The peers have no per-key limiter of their own, so each gets what a user would write: a
 * {@link ConcurrentHashMap} from key to limiter filled by {@code computeIfAbsent}. Key strings
 * are built once, so no benchmark pays for string building.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LocalManyKeysBenchmark {
    /** How many distinct keys the calls spread over. */
    public static final int KEYS = 12_000;

    /** The policy every library applies; see {@link Scenario}. */
    @Param({"ALLOWED", "REFILLED"})
    public Scenario scenario;

    private final String[] keys = new String[KEYS];
    private RateLimiter ours;
    private BlockingRateLimiter oursBlocking;
    private final ConcurrentHashMap<String, Bucket> bucket4j = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicRateLimiter> resilience4j = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> guava =
            new ConcurrentHashMap<>();

    /** Builds the keys and one limiter per library. */
    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "developer-" + i;
        }
        ours = RateLimiter.builder(scenario.policy()).buildSuspending();
        oursBlocking = RateLimiter.builder(scenario.policy()).build();
    }

    /** Closes our limiters. */
    @TearDown(Level.Trial)
    public void tearDown() {
        ours.close();
        oursBlocking.close();
    }

    /** The calling thread's continuation for the suspend API. */
    @State(Scope.Thread)
    public static class Caller {
        final SuspendCall call = new SuspendCall();
    }

    private String anyKey() {
        return keys[ThreadLocalRandom.current().nextInt(KEYS)];
    }

    /** Ours, Kotlin suspend API. */
    @Benchmark
    public Decision oursSuspend(Caller caller) {
        return caller.call.tryAcquire(ours, anyKey(), 1);
    }

    /** Ours, Java blocking facade. */
    @Benchmark
    public Decision oursJavaFacade() {
        return oursBlocking.tryAcquire(anyKey());
    }

    /** A ConcurrentHashMap of Bucket4j lock-free buckets. */
    @Benchmark
    public boolean bucket4j() {
        return bucket4j.computeIfAbsent(anyKey(), k -> scenario.bucket4j()).tryConsume(1);
    }

    /** A ConcurrentHashMap of Resilience4j AtomicRateLimiters. */
    @Benchmark
    public boolean resilience4j() {
        return resilience4j.computeIfAbsent(anyKey(), scenario::resilience4j).acquirePermission();
    }

    /** A ConcurrentHashMap of Guava RateLimiters. */
    @Benchmark
    public boolean guava() {
        return guava.computeIfAbsent(anyKey(), k -> scenario.guava()).tryAcquire();
    }
}
