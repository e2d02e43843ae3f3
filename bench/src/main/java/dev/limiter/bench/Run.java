package dev.limiter.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Load running on a set of threads until {@link #finish} stops it; each thread records into
 * its own histogram, merged at the end.
 */
final class Run {
    /** What one load thread does until {@link Worker#stopped()}. */
    interface Body {
        void run(Worker worker) throws Exception;
    }

    /** One load thread's counters. */
    final class Worker {
        final Histogram latencyNanos = new Histogram(60_000_000_000L, 3);
        long decisions;
        long allowed;
        long errors;

        boolean stopped() {
            return stopped;
        }

        void record(boolean granted, long nanos) {
            decisions++;
            if (granted) {
                allowed++;
            }
            latencyNanos.recordValue(Math.max(0, Math.min(nanos, latencyNanos.getHighestTrackableValue())));
        }
    }

    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final long startNanos;
    private volatile boolean stopped;

    Run(int threadCount, Body body) {
        for (int i = 0; i < threadCount; i++) {
            Worker worker = new Worker();
            workers.add(worker);
            Thread thread = new Thread(() -> {
                while (!worker.stopped()) {
                    try {
                        body.run(worker);
                        return;
                    } catch (Exception e) {
                        worker.errors++; // counted and reported; the load goes on
                    }
                }
            }, "load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        startNanos = System.nanoTime();
        threads.forEach(Thread::start);
    }

    /** Lets the load run for {@code seconds}, stops it and returns what it measured. */
    RedisLoad.Result finish(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
        stopped = true;
        long elapsed = System.nanoTime() - startNanos;
        for (Thread thread : threads) {
            thread.join();
        }
        return merge(elapsed);
    }

    /** Waits until every thread's body has returned and returns what they measured. */
    RedisLoad.Result awaitDone() throws InterruptedException {
        for (Thread thread : threads) {
            thread.join();
        }
        return merge(System.nanoTime() - startNanos);
    }

    private RedisLoad.Result merge(long elapsed) {
        Histogram merged = new Histogram(60_000_000_000L, 3);
        long decisions = 0;
        long allowed = 0;
        long errors = 0;
        for (Worker worker : workers) {
            merged.add(worker.latencyNanos);
            decisions += worker.decisions;
            allowed += worker.allowed;
            errors += worker.errors;
        }
        return new RedisLoad.Result(decisions, allowed, errors, elapsed / 1e9, merged);
    }
}
