package dev.limiter.bench;

import dev.limiter.bench.http.HttpApps;
import io.ktor.server.engine.EmbeddedServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Replays {@link TrafficModel} against each HTTP app variant ({@link HttpApps}) and measures
 * latency from each request's planned start (HdrHistogram, no coordinated omission) and the
 * share of 429 answers against the theoretical share of an exact token bucket.
 *
 * <p>The server runs in this JVM on 127.0.0.1 (one machine, two cores: the load generator and
 * the server share them, for every variant alike).
 *
 * <p>Usage: {@code HttpLoad --out FILE [--seconds 20] [--warmup 5] [--scale 1.0]
 * [--variants none,ktor-ratelimit,limiter-local,limiter-redis,portal-local,portal-redis]}; the
 * {@code -redis} variants keep their buckets in a Redis server started from the embedded-redis
 * jar.
 */
public final class HttpLoad {
    private static final int WORKERS = 64;
    private static final long SEED = 42;

    private HttpLoad() {}

    /** Runs every variant and writes the JSON results to {@code --out}. */
    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        List<Row> rows = run(settings);
        String json = toJson(settings, rows);
        Files.writeString(Path.of(settings.out), json);
        System.out.println(json);
    }

    /** What one variant did under the plan. */
    record Row(String variant, int planned, long ok, long limited, long errors, double seconds,
               Histogram latencyNanos, double theoreticalDenyRatio) {
        String toJson() {
            Histogram h = latencyNanos;
            return String.format(Locale.ROOT,
                    "{\"variant\":\"%s\",\"requests\":%d,\"ok\":%d,\"limited\":%d,\"errors\":%d,\"seconds\":%.2f,"
                            + "\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
                            + "\"ratio429\":%.5f,\"theoretical429\":%.5f}",
                    variant, planned, ok, limited, errors, seconds,
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3,
                    planned == 0 ? 0.0 : (double) limited / planned, theoreticalDenyRatio);
        }
    }

    static String toJson(Settings settings, List<Row> rows) {
        return String.format(Locale.ROOT, "{\"suite\":\"http\",\"seconds\":%d,\"warmupSeconds\":%d,\"scale\":%.2f,"
                        + "\"workers\":%d,\"results\":[%n%s%n]}%n", settings.seconds, settings.warmup, settings.scale,
                WORKERS, String.join(",\n", rows.stream().map(Row::toJson).toList()));
    }

    /** Runs each variant: warmup plan, then the measured plan; returns one row per variant. */
    static List<Row> run(Settings settings) throws Exception {
        TrafficModel warmup = TrafficModel.plan(settings.warmup, settings.scale, SEED + 1);
        TrafficModel plan = TrafficModel.plan(settings.seconds, settings.scale, SEED);
        double theoretical = plan.theoreticalDenyRatio(SeedPolicy.CAPACITY, SeedPolicy.REFILL_PER_SECOND);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        List<Row> rows = new ArrayList<>();
        if (warmup.size() > 0) {
            // Warms this JVM's HTTP client and server code once, so the first variant is not the coldest.
            int port = freePort();
            EmbeddedServer<?, ?> server = HttpApps.start("none", port, null);
            try {
                replay(client, URI.create("http://127.0.0.1:" + port + HttpApps.PATH), warmup, "jvm-warmup-");
            } finally {
                server.stop(100, 2_000);
            }
        }
        boolean needsRedis = settings.variants.stream().anyMatch(HttpApps::needsRedis);
        try (EmbeddedRedis redis = needsRedis ? EmbeddedRedis.start() : null) {
            for (String variant : settings.variants) {
                rows.add(measure(client, variant, redis == null ? null : redis.uri(), warmup, plan, theoretical));
            }
        }
        return rows;
    }

    private static Row measure(HttpClient client, String variant, String redisUri, TrafficModel warmup,
                               TrafficModel plan, double theoretical) throws Exception {
        int port = freePort();
        EmbeddedServer<?, ?> server = HttpApps.start(variant, port, redisUri);
        try {
            URI uri = URI.create("http://127.0.0.1:" + port + HttpApps.path(variant));
            if (warmup.size() > 0) {
                replay(client, uri, warmup, "warmup-");
            }
            Tally tally = new Tally();
            RedisLoad.Result result = replay(client, uri, plan, "", tally);
            return new Row(variant, plan.size(), tally.ok.sum(), tally.limited.sum(), tally.errors.sum(),
                    result.seconds(), result.latencyNanos(), theoretical);
        } finally {
            server.stop(100, 2_000);
        }
    }

    /** Counts answers by status. */
    private static final class Tally {
        final LongAdder ok = new LongAdder();
        final LongAdder limited = new LongAdder();
        final LongAdder errors = new LongAdder();
    }

    private static RedisLoad.Result replay(HttpClient client, URI uri, TrafficModel plan, String prefix)
            throws InterruptedException {
        return replay(client, uri, plan, prefix, new Tally());
    }

    private static RedisLoad.Result replay(HttpClient client, URI uri, TrafficModel plan, String prefix, Tally tally)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        long origin = System.nanoTime() + 20_000_000L;
        Run run = new Run(WORKERS, worker -> {
            int i;
            while ((i = next.getAndIncrement()) < plan.size()) {
                long planned = origin + plan.offsetNanos[i];
                long wait;
                while ((wait = planned - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                HttpRequest request = HttpRequest.newBuilder(uri)
                        .header(HttpApps.API_KEY_HEADER, prefix + "developer-" + plan.keys[i])
                        .timeout(Duration.ofSeconds(10))
                        .GET().build();
                int status;
                try {
                    status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    status = -1;
                }
                long latency = System.nanoTime() - planned;
                if (status == 200) {
                    tally.ok.increment();
                } else if (status == 429) {
                    tally.limited.increment();
                } else {
                    tally.errors.increment();
                }
                worker.record(status == 200, latency);
            }
        });
        return run.awaitDone();
    }

    /** A free TCP port on this machine, for the app under load. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Command-line settings. */
    record Settings(String out, int seconds, int warmup, double scale, List<String> variants) {
        static Settings parse(String[] args) {
            String out = "http.json";
            int seconds = 20;
            int warmup = 5;
            double scale = 1.0;
            List<String> variants = HttpApps.variants();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--out" -> out = value;
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--scale" -> scale = Double.parseDouble(value);
                    case "--variants" -> variants = List.of(value.split(","));
                    default -> throw new IllegalArgumentException("unknown option '" + args[i]
                            + "'; use --out FILE, --seconds N, --warmup N, --scale X or --variants a,b");
                }
                i++;
            }
            if (seconds < 1 || scale <= 0) {
                throw new IllegalArgumentException("--seconds must be at least 1 and --scale above 0, were "
                        + seconds + " and " + scale);
            }
            return new Settings(out, seconds, warmup, scale, variants);
        }
    }
}
