package dev.limiter.bench;

import java.util.Random;

/**
 * The seed's traffic model as a fixed plan of arrivals: 12,000 developer keys, 500 requests/s
 * steady with bursts of 1,200 requests/s lasting 4 s (each 10 s: 6 s steady, then a burst).
 *
 * <p>Keys follow a Zipf law (exponent 1): a few developers send much of the traffic, as on a
 * real portal, so some keys exceed the {@code free} policy and some requests must get 429. The
 * plan is seeded, so every variant replays exactly the same requests and the theoretical 429
 * ratio of an exact token bucket can be computed from it.
 */
final class TrafficModel {
    static final int KEYS = 12_000;
    static final int STEADY_PER_SECOND = 500;
    static final int BURST_PER_SECOND = 1_200;
    static final int CYCLE_SECONDS = 10;
    static final int BURST_SECONDS = 4;

    /** Planned start of each request, in nanoseconds from the start of the run. */
    final long[] offsetNanos;
    /** Key index of each request. */
    final int[] keys;

    private TrafficModel(long[] offsetNanos, int[] keys) {
        this.offsetNanos = offsetNanos;
        this.keys = keys;
    }

    /** Returns the plan for {@code seconds} of traffic, {@code scale} times the model's rates. */
    static TrafficModel plan(int seconds, double scale, long seed) {
        int steady = (int) Math.round(STEADY_PER_SECOND * scale);
        int burst = (int) Math.round(BURST_PER_SECOND * scale);
        int total = 0;
        for (int s = 0; s < seconds; s++) {
            total += inBurst(s) ? burst : steady;
        }
        long[] offsets = new long[total];
        int[] keys = new int[total];
        double[] cumulative = zipfCumulative();
        Random random = new Random(seed);
        int i = 0;
        for (int s = 0; s < seconds; s++) {
            int rate = inBurst(s) ? burst : steady;
            for (int n = 0; n < rate; n++) {
                offsets[i] = s * 1_000_000_000L + n * (1_000_000_000L / rate);
                keys[i] = pick(cumulative, random.nextDouble());
                i++;
            }
        }
        return new TrafficModel(offsets, keys);
    }

    private static boolean inBurst(int second) {
        return second % CYCLE_SECONDS >= CYCLE_SECONDS - BURST_SECONDS;
    }

    private static double[] zipfCumulative() {
        double[] cumulative = new double[KEYS];
        double sum = 0;
        for (int k = 0; k < KEYS; k++) {
            sum += 1.0 / (k + 1);
            cumulative[k] = sum;
        }
        for (int k = 0; k < KEYS; k++) {
            cumulative[k] /= sum;
        }
        return cumulative;
    }

    private static int pick(double[] cumulative, double u) {
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (cumulative[mid] < u) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * Returns the share of requests an exact token bucket of {@code capacity} refilled at
     * {@code perSecond} would deny on this plan, every bucket starting full.
     */
    double theoreticalDenyRatio(long capacity, long perSecond) {
        double[] tokens = new double[KEYS];
        long[] last = new long[KEYS];
        boolean[] seen = new boolean[KEYS];
        long denied = 0;
        for (int i = 0; i < keys.length; i++) {
            int k = keys[i];
            long now = offsetNanos[i];
            if (!seen[k]) {
                seen[k] = true;
                tokens[k] = capacity;
            } else {
                tokens[k] = Math.min(capacity, tokens[k] + (now - last[k]) * perSecond / 1e9);
            }
            last[k] = now;
            if (tokens[k] >= 1) {
                tokens[k] -= 1;
            } else {
                denied++;
            }
        }
        return keys.length == 0 ? 0 : (double) denied / keys.length;
    }

    /** Returns how many requests the plan holds. */
    int size() {
        return keys.length;
    }
}
