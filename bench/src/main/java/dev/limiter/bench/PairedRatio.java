package dev.limiter.bench;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.RateLimiter;
import io.github.bucket4j.Bucket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ours against Bucket4j on a shared, loaded machine: the same work as
 * {@link LocalSingleKeyBenchmark} / {@link LocalManyKeysBenchmark}, but the contenders take
 * turns in short slices (default 200 ms) within one JVM, round after round, so that each
 * round's ratio compares runs made under the same load. Prints the median ratio over rounds
 * and its 10th–90th percentile range; JMH's sequential forks, minutes apart, are what a
 * changing load average spoils.
 *
 * <pre>java -cp ... dev.limiter.bench.PairedRatio --threads 1 --keys 1 --scenario ALLOWED --rounds 30</pre>
 */
public final class PairedRatio {
    private interface Op {
        boolean run(SuspendCall call, String key);
    }

    private static volatile boolean running;
    private static volatile Op current;
    private static final AtomicLong OPS = new AtomicLong();
    private static volatile long sink;

    public static void main(String[] args) throws Exception {
        int threads = 1, keys = 1, rounds = 30, warmup = 5;
        long sliceMillis = 200;
        Scenario scenario = Scenario.ALLOWED;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--keys" -> keys = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--slice-millis" -> sliceMillis = Long.parseLong(args[i + 1]);
                case "--scenario" -> scenario = Scenario.valueOf(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String[] names = new String[keys];
        for (int i = 0; i < keys; i++) {
            names[i] = keys == 1 ? "k" : "developer-" + i;
        }
        RateLimiter ours = RateLimiter.builder(scenario.policy()).buildSuspending();
        BlockingRateLimiter oursBlocking = RateLimiter.builder(scenario.policy()).build();
        Scenario s = scenario;
        Bucket single = scenario.bucket4j();
        ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
        Op bucket4j = keys == 1
                ? (call, key) -> single.tryConsume(1)
                : (call, key) -> map.computeIfAbsent(key, k -> s.bucket4j()).tryConsume(1);
        // Bucket4j's call that answers what our Decision does (remaining permits, wait for the
        // next one): the like-for-like peer of a limiter that sets rate-limit headers.
        Op bucket4jProbe = keys == 1
                ? (call, key) -> single.tryConsumeAndReturnRemaining(1).isConsumed()
                : (call, key) -> map.computeIfAbsent(key, k -> s.bucket4j()).tryConsumeAndReturnRemaining(1).isConsumed();
        Op suspend = (call, key) -> call.tryAcquire(ours, key, 1).isAllowed();
        Op facade = (call, key) -> oursBlocking.tryAcquire(key).isAllowed();
        String[] labels = {"oursSuspend", "oursJavaFacade", "bucket4j", "bucket4jProbe"};
        Op[] ops = {suspend, facade, bucket4j, bucket4jProbe};

        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier stop = new CyclicBarrier(threads + 1);
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> work(ops, names, start, stop), "paired-" + t);
            worker.setDaemon(true);
            worker.start();
        }
        List<double[]> results = new ArrayList<>();
        for (int round = 0; round < warmup + rounds; round++) {
            double[] rates = new double[ops.length];
            for (int j = 0; j < ops.length; j++) {
                int which = (j + round) % ops.length; // rotate who goes first
                current = ops[which];
                OPS.set(0);
                running = true;
                long t0 = System.nanoTime();
                start.await();
                Thread.sleep(sliceMillis);
                running = false;
                stop.await();
                rates[which] = OPS.get() / ((System.nanoTime() - t0) / 1_000.0);
            }
            if (round >= warmup) results.add(rates);
        }
        String load = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim();
        System.out.printf(Locale.ROOT, "scenario=%s keys=%d threads=%d rounds=%d slice=%dms loadavg-after=%s%n",
                scenario, keys, threads, rounds, sliceMillis, load);
        for (int j = 0; j < ops.length; j++) {
            int jj = j;
            double[] r = results.stream().mapToDouble(x -> x[jj]).toArray();
            System.out.printf(Locale.ROOT, "  %-15s median %.2f ops/us (p10 %.2f, p90 %.2f)%n",
                    labels[j], pct(r, 50), pct(r, 10), pct(r, 90));
        }
        for (int peer = 2; peer < ops.length; peer++) {
            for (int j = 0; j < 2; j++) {
                int jj = j, pp = peer;
                double[] r = results.stream().mapToDouble(x -> x[jj] / x[pp]).toArray();
                System.out.printf(Locale.ROOT, "  %s / %s: median %.2f (p10 %.2f, p90 %.2f; median's 95%% interval %s)%n",
                        labels[j], labels[peer], pct(r, 50), pct(r, 10), pct(r, 90), medianInterval(r));
            }
        }
        double[] kotlinOverJava = results.stream().mapToDouble(x -> x[0] / x[1]).toArray();
        System.out.printf(Locale.ROOT, "  oursSuspend / oursJavaFacade: median %.2f (p10 %.2f, p90 %.2f; median's 95%% interval %s)%n",
                pct(kotlinOverJava, 50), pct(kotlinOverJava, 10), pct(kotlinOverJava, 90), medianInterval(kotlinOverJava));
        System.out.println("  sink " + (sink & 1));
        ours.close();
        oursBlocking.close();
        System.exit(0);
    }

    private static void work(Op[] ops, String[] names, CyclicBarrier start, CyclicBarrier stop) {
        SuspendCall call = new SuspendCall();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
            while (true) {
                start.await();
                Op op = current;
                long n = 0, granted = 0;
                // One loop per contender, so that each call site sees one implementation.
                if (op == ops[0]) {
                    while (running) {
                        if (ops[0].run(call, names.length == 1 ? names[0] : names[random.nextInt(names.length)])) granted++;
                        n++;
                    }
                } else if (op == ops[1]) {
                    while (running) {
                        if (ops[1].run(call, names.length == 1 ? names[0] : names[random.nextInt(names.length)])) granted++;
                        n++;
                    }
                } else if (op == ops[2]) {
                    while (running) {
                        if (ops[2].run(call, names.length == 1 ? names[0] : names[random.nextInt(names.length)])) granted++;
                        n++;
                    }
                } else {
                    while (running) {
                        if (ops[3].run(call, names.length == 1 ? names[0] : names[random.nextInt(names.length)])) granted++;
                        n++;
                    }
                }
                OPS.addAndGet(n);
                sink += granted;
                stop.await();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double pct(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int i = (int) Math.round((p / 100.0) * (sorted.length - 1));
        return sorted[i];
    }

    /**
     * A distribution-free ~95% interval for the median: the order statistics at
     * n/2 ± 0.98·√n (the binomial's normal approximation), 1-based ranks.
     */
    private static String medianInterval(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        int lo = Math.max(1, (int) Math.floor(n / 2.0 - 0.98 * Math.sqrt(n)));
        int hi = Math.min(n, (int) Math.ceil(n / 2.0 + 0.98 * Math.sqrt(n)) + 1);
        return String.format(Locale.ROOT, "%.2f–%.2f", sorted[lo - 1], sorted[hi - 1]);
    }

    private PairedRatio() {}
}
