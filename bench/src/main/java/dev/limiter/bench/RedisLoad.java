package dev.limiter.bench;

import io.lettuce.core.resource.ClientResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Decisions per second and latency against a real Redis, ours against Bucket4j's Lettuce proxy
 * manager on the same server and the same 12,000 keys, and Redis commands per decision: sent by
 * the client (round trips, {@link ClientCommandCounter}) and run by the server, script internals
 * included ({@code INFO commandstats}).
 *
 * <p>Closed loop: {@code callers} threads each make one decision after another. Open loop:
 * decisions arrive at a fixed rate whatever the latency, and latency is measured from the
 * planned arrival, so a stall counts against every request it delays (no coordinated
 * omission).
 *
 * <p>Async closed loop ({@code --async-callers}): one thread keeps that many decisions of each
 * contender's asynchronous API in flight, so no thread parks per decision.
 *
 * <p>Usage: {@code RedisLoad --out FILE [--seconds 5] [--warmup 2] [--callers 1,16,64]
 * [--async-callers 64] [--rate 1200] [--uri redis://host:port] [--only limiter,bucket4j-lettuce]};
 * without {@code --uri} it starts a Redis server of its own from the embedded-redis jar. The
 * contender {@code floor-one-get} is one plain {@code GET} per call: the harness's floor.
 */
public final class RedisLoad {
    static final int KEYS = 12_000;
    private static final String[] KEY_NAMES = new String[KEYS];

    static {
        for (int i = 0; i < KEYS; i++) {
            KEY_NAMES[i] = "developer-" + i;
        }
    }

    private RedisLoad() {}

    /** Runs the suite and writes the JSON results to {@code --out}. */
    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        String json = toJson(settings, run(settings));
        Files.writeString(Path.of(settings.out), json);
        System.out.println(json);
    }

    /** Runs every contender at every load and returns one row per contender and load. */
    static List<Row> run(Settings settings) throws Exception {
        EmbeddedRedis embedded = settings.uri == null ? EmbeddedRedis.start() : null;
        String uri = settings.uri != null ? settings.uri : embedded.uri();
        List<Row> rows = new ArrayList<>();
        ClientCommandCounter sent = new ClientCommandCounter();
        ClientResources resources = ClientResources.builder().commandLatencyRecorder(sent).build();
        try (RedisCommandStats stats = new RedisCommandStats(uri)) {
            Counters counters = new Counters(stats, sent);
            for (var entry : RedisContenders.all().entrySet()) {
                if (settings.only != null && !settings.only.contains(entry.getKey())) {
                    continue;
                }
                BiFunction<String, ClientResources, Contender> factory = entry.getValue();
                for (int callers : settings.callers) {
                    rows.add(measure(() -> factory.apply(uri, resources), counters, settings,
                            new Load("closed", callers, 0), () -> closedLoop(callers)));
                }
                for (int inFlight : settings.asyncCallers) {
                    rows.add(measure(() -> factory.apply(uri, resources), counters, settings,
                            new Load("async", inFlight, 0), () -> asyncLoop(inFlight)));
                }
                if (settings.rate > 0) {
                    rows.add(measure(() -> factory.apply(uri, resources), counters, settings,
                            new Load("open", OPEN_LOOP_WORKERS, settings.rate), () -> openLoop(settings)));
                }
            }
        } finally {
            resources.shutdown();
            if (embedded != null) {
                embedded.close();
            }
        }
        return rows;
    }

    /** Returns the rows as the JSON that {@code bench/report.py} reads. */
    static String toJson(Settings settings, List<Row> rows) {
        return "{\"suite\":\"redis\",\"keys\":" + KEYS + ",\"seconds\":" + settings.seconds
                + ",\"warmupSeconds\":" + settings.warmup + ",\"results\":[\n"
                + String.join(",\n", rows.stream().map(Row::toJson).toList()) + "\n]}\n";
    }

    private static final int OPEN_LOOP_WORKERS = 64;

    /** How the load was applied: closed loop with {@code callers} threads, or open loop at {@code rate}/s. */
    record Load(String mode, int callers, int rate) {}

    /** A load to apply to {@link #current} for some seconds. */
    private interface Phase {
        Run start() throws Exception;
    }

    private static volatile Contender current;

    /** Commands counted on both ends: by the server (with script internals) and as sent by the client. */
    private record Counters(RedisCommandStats server, ClientCommandCounter client) {
        void reset() {
            server.reset();
            client.reset();
        }
    }

    private static Row measure(Supplier<Contender> factory, Counters counters,
                               Settings settings, Load load, Supplier<Phase> phase) throws Exception {
        counters.reset();
        try (Contender contender = factory.get()) {
            current = contender;
            if (settings.warmup > 0) {
                phase.get().start().finish(settings.warmup);
            }
            counters.reset();
            Result result = phase.get().start().finish(settings.seconds);
            return new Row(contender.name(), load, result, counters.server().calls(), counters.client().counts());
        } finally {
            current = null;
        }
    }

    /**
     * What one contender did under one load; {@code commands} as the server counted them
     * (commands run inside Lua scripts included), {@code sent} as the client sent them.
     */
    record Row(String contender, Load load, Result result, Map<String, Long> commands, Map<String, Long> sent) {
        /** Returns the commands the server ran per decision, those inside scripts included. */
        double commandsPerDecision() {
            return perDecision(commands);
        }

        /** Returns the commands sent per decision: the round trips. */
        double roundTripsPerDecision() {
            return perDecision(sent);
        }

        private double perDecision(Map<String, Long> counts) {
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            return result.decisions() == 0 ? 0.0 : (double) total / result.decisions();
        }

        String toJson() {
            String byCommand = json(commands);
            String bySent = json(sent);
            Histogram h = result.latencyNanos();
            return String.format(java.util.Locale.ROOT,
                    "{\"contender\":\"%s\",\"mode\":\"%s\",\"callers\":%d,\"rate\":%d,\"decisions\":%d,"
                            + "\"allowed\":%d,\"errors\":%d,\"throughput\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
                            + "\"p999_us\":%.1f,\"max_us\":%.1f,\"commands\":{%s},\"commandsPerDecision\":%.3f,"
                            + "\"sent\":{%s},\"roundTripsPerDecision\":%.3f}",
                    contender, load.mode(), load.callers(), load.rate(), result.decisions(), result.allowed(),
                    result.errors(), result.decisions() / result.seconds(),
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, byCommand, commandsPerDecision(), bySent, roundTripsPerDecision());
        }

        private static String json(Map<String, Long> counts) {
            StringBuilder out = new StringBuilder();
            counts.forEach((command, n) -> out.append(out.length() == 0 ? "" : ",")
                    .append('"').append(command).append("\":").append(n));
            return out.toString();
        }
    }

    private static String anyKey() {
        return KEY_NAMES[ThreadLocalRandom.current().nextInt(KEYS)];
    }

    /** Callers that each make one decision after another until stopped. */
    private static Phase closedLoop(int callers) {
        return () -> new Run(callers, worker -> {
            while (!worker.stopped()) {
                long start = System.nanoTime();
                worker.record(current.decide(anyKey()), System.nanoTime() - start);
            }
        });
    }

    /**
     * Closed loop without a thread per caller: one thread keeps {@code inFlight} decisions of
     * the contender's asynchronous API outstanding, starting the next as each completes.
     */
    private static Phase asyncLoop(int inFlight) {
        return () -> new Run(1, worker -> {
            java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(inFlight);
            while (!worker.stopped()) {
                slots.acquire();
                long start = System.nanoTime();
                current.decideAsync(anyKey()).whenComplete((granted, error) -> {
                    long nanos = System.nanoTime() - start;
                    synchronized (worker) {
                        if (error != null) {
                            worker.errors++;
                        } else {
                            worker.record(granted, nanos);
                        }
                    }
                    slots.release();
                });
            }
            slots.acquire(inFlight); // every call has landed before the counts are read
            synchronized (worker) {
                // publishes the callbacks' counts to the thread that merges them
            }
        });
    }

    /** Decisions planned at a fixed rate; latency counts from the planned start. */
    private static Phase openLoop(Settings settings) {
        return () -> {
            long origin = System.nanoTime() + 10_000_000L;
            long intervalNanos = 1_000_000_000L / settings.rate;
            AtomicLong next = new AtomicLong();
            return new Run(OPEN_LOOP_WORKERS, worker -> {
                while (true) {
                    long planned = origin + next.getAndIncrement() * intervalNanos;
                    long wait;
                    while ((wait = planned - System.nanoTime()) > 0) {
                        if (worker.stopped()) {
                            return;
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(wait, 1_000_000L));
                    }
                    if (worker.stopped()) {
                        return;
                    }
                    worker.record(current.decide(anyKey()), System.nanoTime() - planned);
                }
            });
        };
    }

    /** Measured numbers of one phase. */
    record Result(long decisions, long allowed, long errors, double seconds, Histogram latencyNanos) {}

    /** Command-line settings. */
    record Settings(String out, int seconds, int warmup, int[] callers, int[] asyncCallers, int rate, String uri, List<String> only) {
        static Settings parse(String[] args) {
            String out = "redis.json";
            int seconds = 5;
            int warmup = 2;
            int[] callers = {1, 16, 64};
            int rate = 1200;
            String uri = null;
            List<String> only = null;
            int[] asyncCallers = {};
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--out" -> out = value;
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--callers" -> callers = value.isEmpty() ? new int[0]
                            : java.util.Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--rate" -> rate = Integer.parseInt(value);
                    case "--uri" -> uri = value;
                    case "--async-callers" -> asyncCallers = value.isEmpty() ? new int[0]
                            : java.util.Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--only" -> only = List.of(value.split(","));
                    default -> throw new IllegalArgumentException("unknown option '" + args[i]
                            + "'; use --out FILE, --seconds N, --warmup N, --callers 1,16,64, --async-callers 64, --rate N,"
                            + " --uri redis://host:port or --only limiter,bucket4j-lettuce,floor-one-get");
                }
                i++;
            }
            if (seconds < 1) {
                throw new IllegalArgumentException("--seconds must be at least 1, was " + seconds);
            }
            return new Settings(out, seconds, warmup, callers, asyncCallers, rate, uri, only);
        }
    }
}
