package dev.limiter.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.testing.TestRateLimiterExtension;
import dev.limiter.testing.TestRateLimiterFixture;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tests {@link QuotaHeaders} against a real limiter on a mock clock the test moves by hand. */
// snippet:java-junit-fixture
class QuotaHeadersTest {
    @RegisterExtension
    static final TestRateLimiterExtension limits =
            new TestRateLimiterExtension(LimitPolicy.tokenBucket(10, Rate.parse("10/min")));

    @Test
    void a_developer_with_requests_left_gets_no_retry_after() {
        TestRateLimiterFixture fixture = limits.getFixture();
        fixture.assertAllowed("dev-42");

        assertEquals(Map.of("X-RateLimit-Remaining", "9"), headers(fixture));
    }

    @Test
    void an_exhausted_developer_is_told_when_to_come_back() {
        TestRateLimiterFixture fixture = limits.getFixture();
        fixture.exhaust("dev-42");
        assertEquals(Map.of("X-RateLimit-Remaining", "0", "Retry-After", "6"), headers(fixture));

        fixture.advanceTime(Duration.ofSeconds(5));
        assertEquals(Map.of("X-RateLimit-Remaining", "0", "Retry-After", "1"), headers(fixture));

        fixture.advanceTime(Duration.ofSeconds(1));
        assertEquals(Map.of("X-RateLimit-Remaining", "1"), headers(fixture));
    }

    private static Map<String, String> headers(TestRateLimiterFixture fixture) {
        return QuotaHeaders.headersFor(fixture.getBlocking(), fixture.getClock(), "dev-42");
    }
}
// end-snippet
