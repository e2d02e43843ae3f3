package dev.limiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.bench.http.HttpApps;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Smoke mode of the HTTP suite, part of {@code ./mvnw verify}: each app variant serves one
 * second of the traffic model (at twice its rates) over real HTTP, every request gets 200 or
 * 429, and the rate-limited variants answer 429 when the plan's theoretical share says some
 * must.
 */
class HttpLoadSmokeTest {

    @Test
    @DisplayName("every HTTP app variant serves the traffic model and only the limited ones answer 429")
    void everyVariantServes() throws Exception {
        HttpLoad.Settings settings = HttpLoad.Settings.parse(new String[] {
            "--seconds", "1", "--warmup", "0", "--scale", "2.0"});
        List<HttpLoad.Row> rows = HttpLoad.run(settings);

        assertEquals(HttpApps.variants(), rows.stream().map(HttpLoad.Row::variant).toList());
        for (HttpLoad.Row row : rows) {
            assertEquals(0, row.errors(), row.variant() + " answered other than 200 or 429");
            assertEquals(row.planned(), row.ok() + row.limited(), row.variant() + " lost requests");
            assertTrue(row.theoreticalDenyRatio() > 0, "the plan must push some keys over their limit");
            if (row.variant().equals("none")) {
                assertEquals(0, row.limited(), "the bare app never answers 429");
            } else {
                assertTrue(row.limited() > 0, row.variant() + " never answered 429");
            }
        }
    }
}
