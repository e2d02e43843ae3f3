package dev.limiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Smoke mode of the service suite, part of {@code ./mvnw verify}: the portal demo answers
 * {@code POST /v1/check} over real HTTP for one second on each store, only with 200 or 429.
 */
class ServiceLoadSmokeTest {

    @Test
    @DisplayName("the portal's limiter service decides checks on the local and the Redis store")
    void everyStoreAnswersChecks() throws Exception {
        ServiceLoad.Settings settings = ServiceLoad.Settings.parse(new String[] {
            "--seconds", "1", "--warmup", "0", "--callers", "4"});
        List<ServiceLoad.Row> rows = ServiceLoad.run(settings);

        assertEquals(List.of("portal-local", "portal-redis"), rows.stream().map(ServiceLoad.Row::variant).toList());
        for (ServiceLoad.Row row : rows) {
            assertEquals(0, row.errors(), row.variant() + " answered other than 200 or 429");
            assertTrue(row.result().decisions() > 0, row.variant() + " decided nothing");
            assertTrue(row.result().allowed() > 0, row.variant() + " allowed nothing although every key starts full");
        }
    }
}
