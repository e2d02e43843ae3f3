package dev.limiter.bench;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimiter;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Granting from a non-empty queue: 8 threads wait for permits released at {@link #RATE} per
 * second from a bucket of one, so nearly every call waits behind others.
 *
 * <p>The ideal score is the rate itself ({@code 0.1 ops/us}); the gap to it is what the queue
 * machinery costs. The baseline is the plain Java way to do the same: a fair
 * {@link Semaphore} that waiting threads block on, fed at the same rate by a pacing thread
 * (which, unlike our limiter, needs a thread of its own).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(QueueGrantBenchmark.WAITERS)
public class QueueGrantBenchmark {
    /** Permits per second handed out. */
    public static final long RATE = 100_000;
    /** Threads waiting at once. */
    public static final int WAITERS = 8;

    private static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private BlockingRateLimiter ours;

    /** Builds our limiter: one permit at a time, {@link #RATE} per second. */
    @Setup(Level.Trial)
    public void setUp() {
        ours = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(RATE))).build();
    }

    /** Closes our limiter. */
    @TearDown(Level.Trial)
    public void tearDown() {
        ours.close();
    }

    /** Ours: blocking {@code acquire}, waits as long as needed. */
    @Benchmark
    public Decision oursAcquire() throws InterruptedException {
        return ours.acquire("k");
    }

    /** Ours: blocking {@code queueRequest} at priority 0. */
    @Benchmark
    public Decision oursQueueRequest() throws InterruptedException {
        return ours.queueRequest("k", 0, MAX_WAIT);
    }

    /** Baseline: a fair semaphore fed at {@link #RATE} by a pacing thread. */
    @Benchmark
    public boolean fairSemaphore(PacedSemaphore paced) throws InterruptedException {
        return paced.semaphore.tryAcquire(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A fair semaphore that a thread refills at {@link #RATE}, keeping at most one spare permit. */
    @State(Scope.Benchmark)
    public static class PacedSemaphore {
        final Semaphore semaphore = new Semaphore(0, true);
        private volatile boolean running;
        private Thread pacer;

        /** Starts the pacing thread. */
        @Setup(Level.Trial)
        public void start() {
            running = true;
            pacer = new Thread(this::pace, "semaphore-pacer");
            pacer.setDaemon(true);
            pacer.start();
        }

        /** Stops the pacing thread. */
        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            running = false;
            pacer.join();
        }

        private void pace() {
            long start = System.nanoTime();
            long released = 0;
            while (running) {
                LockSupport.parkNanos(10_000);
                long owed = (System.nanoTime() - start) * RATE / 1_000_000_000L - released;
                int room = semaphore.getQueueLength() + 1 - semaphore.availablePermits();
                int grant = (int) Math.max(0, Math.min(owed, room));
                if (grant > 0) {
                    semaphore.release(grant);
                }
                released += owed; // permits nobody was waiting for are lost, as in a bucket of one
            }
            semaphore.release(WAITERS * 2); // let blocked benchmark threads finish
        }
    }
}
