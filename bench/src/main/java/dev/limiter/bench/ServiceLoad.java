package dev.limiter.bench;

import dev.limiter.bench.http.HttpApps;
import io.ktor.server.engine.EmbeddedServer;
import java.io.IOException;
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
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;

/**
 * Throughput and latency of the portal demo's central limiter API: {@code callers} clients
 * each sending {@code POST /v1/check} for a random one of 12,000 keys under the {@code free}
 * policy, one request after another (closed loop), against the portal on the local and the
 * Redis store.
 *
 * <p>Usage: {@code ServiceLoad --out FILE [--seconds 10] [--warmup 3] [--callers 64]
 * [--variants portal-local,portal-redis]}.
 */
public final class ServiceLoad {
    private ServiceLoad() {}

    /** Runs every variant and writes the JSON results to {@code --out}. */
    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        List<Row> rows = run(settings);
        String json = String.format(Locale.ROOT, "{\"suite\":\"service\",\"seconds\":%d,\"warmupSeconds\":%d,"
                        + "\"callers\":%d,\"results\":[%n%s%n]}%n", settings.seconds, settings.warmup, settings.callers,
                String.join(",\n", rows.stream().map(Row::toJson).toList()));
        Files.writeString(Path.of(settings.out), json);
        System.out.println(json);
    }

    /** What one variant did: answers by status, and latency. */
    record Row(String variant, RedisLoad.Result result, long errors) {
        String toJson() {
            Histogram h = result.latencyNanos();
            return String.format(Locale.ROOT,
                    "{\"variant\":\"%s\",\"requests\":%d,\"allowed\":%d,\"errors\":%d,\"throughput\":%.1f,"
                            + "\"p50_us\":%.1f,\"p95_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}",
                    variant, result.decisions(), result.allowed(), errors, result.decisions() / result.seconds(),
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(95) / 1e3,
                    h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
        }
    }

    /** Runs each variant: warmup, then the measured closed loop. */
    static List<Row> run(Settings settings) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        List<Row> rows = new ArrayList<>();
        boolean needsRedis = settings.variants.stream().anyMatch(HttpApps::needsRedis);
        try (EmbeddedRedis redis = needsRedis ? EmbeddedRedis.start() : null) {
            for (String variant : settings.variants) {
                int port = HttpLoad.freePort();
                EmbeddedServer<?, ?> server = HttpApps.start(variant, port, redis == null ? null : redis.uri());
                try {
                    URI uri = URI.create("http://127.0.0.1:" + port + HttpApps.CHECK_PATH);
                    if (settings.warmup > 0) {
                        load(client, uri, settings.callers).finish(settings.warmup);
                    }
                    Run run = load(client, uri, settings.callers);
                    RedisLoad.Result result = run.finish(settings.seconds);
                    rows.add(new Row(variant, result, result.errors()));
                } finally {
                    server.stop(100, 2_000);
                }
            }
        }
        return rows;
    }

    /** Callers that each send one check after another; a status other than 200 or 429 is an error. */
    private static Run load(HttpClient client, URI uri, int callers) {
        return new Run(callers, worker -> {
            while (!worker.stopped()) {
                int key = ThreadLocalRandom.current().nextInt(TrafficModel.KEYS);
                HttpRequest request = HttpRequest.newBuilder(uri)
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"key\":\"developer-" + key + "\",\"policy\":\"free\"}"))
                        .build();
                long start = System.nanoTime();
                int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                long latency = System.nanoTime() - start;
                if (status != 200 && status != 429) {
                    throw new IOException("POST /v1/check answered " + status);
                }
                worker.record(status == 200, latency);
            }
        });
    }

    /** Command-line settings. */
    record Settings(String out, int seconds, int warmup, int callers, List<String> variants) {
        static Settings parse(String[] args) {
            String out = "service.json";
            int seconds = 10;
            int warmup = 3;
            int callers = 64;
            List<String> variants = List.of("portal-local", "portal-redis");
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--out" -> out = value;
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--callers" -> callers = Integer.parseInt(value);
                    case "--variants" -> variants = List.of(value.split(","));
                    default -> throw new IllegalArgumentException("unknown option '" + args[i]
                            + "'; use --out FILE, --seconds N, --warmup N, --callers N or --variants a,b");
                }
                i++;
            }
            if (seconds < 1 || callers < 1) {
                throw new IllegalArgumentException("--seconds and --callers must be at least 1, were "
                        + seconds + " and " + callers);
            }
            return new Settings(out, seconds, warmup, callers, variants);
        }
    }
}
