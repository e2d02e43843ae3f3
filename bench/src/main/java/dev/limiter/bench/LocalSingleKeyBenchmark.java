package dev.limiter.bench;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
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
 * {@code tryAcquire} on one key with an in-memory store, ours against the peers.
 *
 * <p>All threads share one limiter per library (run with {@code -t 2} for the contended
 * case). Every method returns the decision so the JIT cannot drop the work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LocalSingleKeyBenchmark {
    /** The policy every library applies; see {@link Scenario}. */
    @Param({"ALLOWED", "DENIED"})
    public Scenario scenario;

    private RateLimiter ours;
    private BlockingRateLimiter oursBlocking;
    private Bucket bucket4j;
    private AtomicRateLimiter resilience4j;
    private com.google.common.util.concurrent.RateLimiter guava;

    /** Builds one limiter per library for the scenario. */
    @Setup(Level.Trial)
    public void setUp() {
        ours = RateLimiter.builder(scenario.policy()).buildSuspending();
        oursBlocking = RateLimiter.builder(scenario.policy()).build();
        bucket4j = scenario.bucket4j();
        resilience4j = scenario.resilience4j("bench");
        guava = scenario.guava();
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

    /** Ours, Kotlin suspend API, called as compiled Kotlin calls it (no coroutine builder). */
    @Benchmark
    public Decision oursSuspend(Caller caller) {
        return caller.call.tryAcquire(ours, "k", 1);
    }

    /** Ours, Java blocking facade. */
    @Benchmark
    public Decision oursJavaFacade() {
        return oursBlocking.tryAcquire("k");
    }

    /** Bucket4j lock-free local bucket. */
    @Benchmark
    public boolean bucket4j() {
        return bucket4j.tryConsume(1);
    }

    /** Resilience4j AtomicRateLimiter, zero timeout. */
    @Benchmark
    public boolean resilience4j() {
        return resilience4j.acquirePermission();
    }

    /** Guava RateLimiter, non-blocking tryAcquire. */
    @Benchmark
    public boolean guava() {
        return guava.tryAcquire();
    }
}
