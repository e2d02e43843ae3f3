package dev.limiter.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the quickstart's main path and checks what it prints, section by section. */
class QuickstartTest {
    private interface Sample {
        void run() throws Exception;
    }

    /** Runs the sample with System.out captured and returns the lines it printed. */
    private static List<String> printedBy(Sample sample) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            sample.run();
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static List<String> section(List<String> lines, String heading) {
        int start = lines.indexOf("== " + heading);
        assertTrue(start >= 0, "no section '" + heading + "' in " + lines);
        int end = start + 1;
        while (end < lines.size() && !lines.get(end).startsWith("== ")) end++;
        return lines.subList(start + 1, end);
    }

    @Test
    void the_quickstart_prints_every_section_with_the_expected_outcomes() throws Exception {
        List<String> lines = printedBy(Quickstart::run);

        assertEquals(List.of(
                "request 1: allowed, 4 left",
                "request 2: allowed, 3 left",
                "request 3: allowed, 2 left",
                "request 4: allowed, 1 left",
                "request 5: allowed, 0 left",
                "request 6: denied, retry in 12 s",
                "request 7: denied, retry in 12 s"), section(lines, "try-with-resources"));

        assertEquals(List.of("allowed 100 of 400 requests from 8 threads"), section(lines, "threads"));

        assertEquals(List.of(
                "report 1 generated",
                "report 2 generated",
                "report 3 generated",
                "export refused at once (QUEUE_TIMEOUT), retry in 60 min"), section(lines, "queueRequest"));

        assertEquals(List.of("upload 1 sent", "upload 2 sent", "upload 3 sent", "upload 4 sent"),
                section(lines, "queueRequestAsync"));

        assertEquals(List.of(
                "alice: 0 left, KeyUsage(key=dev-alice, allowed=3, rejected=1, permitsGranted=3)",
                "bob: 2 left, KeyUsage(key=dev-bob, allowed=1, rejected=0, permitsGranted=1)"), section(lines, "scopeByKey"));

        assertEquals(List.of(
                "fresh: {X-RateLimit-Remaining=3}",
                "after 3: {X-RateLimit-Remaining=0, Retry-After=20}",
                "15 s later: {X-RateLimit-Remaining=0, Retry-After=5}"), section(lines, "quota headers"));

        assertEquals(List.of(
                "limits.yaml: valid",
                "broken-limits.yaml:",
                "  policies.free.capacity (line 2, column 46): must be greater than 0, was 0",
                "  policies.pro.refill (line 3, column 59): invalid rate '100/fortnight' (unknown unit 'fortnight'); "
                        + "expected forms like '10/s', '1000/1h', '5/30s', '100 per minute' or '2000 per day' "
                        + "(units: us, ms, s, m, h, d)"), section(lines, "YAML validation"));

        assertEquals(List.of(
                "report for dev-42",
                "report for dev-42",
                "third report refused, retry in 30 min",
                "r-1: done"), section(lines, "@DefaultLimits"));

        assertEquals(List.of(
                "dev-1 from 192.0.2.1: allowed by free, 2 left",
                "dev-1 from 192.0.2.1: allowed by free, 1 left",
                "dev-1 from 192.0.2.1: allowed by free, 0 left",
                "dev-1 from 192.0.2.1: refused by free, retry in 20 min",
                "dev-2 from 192.0.2.1: allowed by free, 2 left",
                "dev-2 from 192.0.2.1: refused by per-ip, retry in 15 min",
                "dev-3 from 198.51.100.7: allowed by free, 2 left",
                "dev-3 from 198.51.100.7: allowed by free, 1 left",
                "dev-3 from 198.51.100.7: refused by global, retry in 10 min"), section(lines, "RateLimits levels"));

        assertEquals(List.of(
                "first: granted",
                "second: granted after an hour",
                "third: QUEUE_TIMEOUT"), section(lines, "engine queue"));

        assertEquals(List.of(
                "export 1: served",
                "export 2: served",
                "export 3: served, but exports would have refused it"), section(lines, "shadow mode"));

        assertEquals(List.of(
                "version 1 in force, dev-1 holds 2",
                "published version 2",
                "stale publish refused, the store is at version 2",
                "version 2 in force, dev-2 holds 5"), section(lines, "follow a ConfigStore"));

        assertEquals(List.of(
                "at start: free holds 40",
                "after 1 s: factor 0.750, free holds 30",
                "after 2 s: factor 0.562, free holds 22",
                "after 3 s: factor 0.562, free holds 22",
                "after 4 s: factor 0.612, free holds 24",
                "after 5 s: factor 0.662, free holds 26",
                "last change: load 0.300 below low 0.6: factor 0.612 -> 0.662"), section(lines, "adaptive limits"));

        assertEquals(List.of(
                "dev-busy: 3 allowed, 2 refused",
                "top: dev-busy with 3 permits",
                "top: dev-calm with 2 permits"), section(lines, "usage and top keys"));
    }

    @Test
    void eight_threads_get_exactly_the_capacity() throws Exception {
        for (int run = 0; run < 5; run++) {
            int[] allowed = new int[1];
            printedBy(() -> allowed[0] = ThreadedRequests.run());
            assertEquals(100, allowed[0]);
        }
    }

    @Test
    void the_readme_example_runs_the_queued_call() throws Exception {
        assertEquals(List.of("allowed, 9 left", "called"), printedBy(() -> ReadmeExample.run(() -> "called")));
    }
}
