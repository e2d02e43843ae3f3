package dev.limiter.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.BlockingRateLimiter;
import dev.limiter.Decision;
import dev.limiter.DenyReason;
import dev.limiter.LimitPolicy;
import dev.limiter.Rate;
import dev.limiter.RateLimitExceededException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FakeRateLimiter as Java code uses it: through the blocking view. */
class FakeRateLimiterJavaTest {

    @Test
    void aNewFakeAllowsEveryRequestAndRecordsIt() {
        FakeRateLimiter fake = new FakeRateLimiter();
        BlockingRateLimiter limiter = fake.asBlocking();

        assertTrue(limiter.tryAcquire("dev-42").isAllowed());
        assertTrue(limiter.tryAcquire("dev-42", 5).isAllowed());

        List<FakeCall> calls = fake.getCalls();
        assertEquals(2, calls.size());
        assertEquals(FakeCall.Operation.TRY_ACQUIRE, calls.get(1).getOperation());
        assertEquals(5L, calls.get(1).getPermits());
        assertNull(calls.get(1).getMaxWait());
        fake.assertAcquired("dev-42", 2);
    }

    @Test
    void aDenyingFakeTellsJavaCallersWhenToRetry() throws InterruptedException {
        FakeRateLimiter fake = FakeRateLimiter.denying(Duration.ofMillis(250));
        BlockingRateLimiter limiter = fake.asBlocking();

        Decision now = limiter.tryAcquire("k");
        assertFalse(now.isAllowed());
        assertEquals(DenyReason.LIMITED, now.getReason());
        assertEquals(Duration.ofMillis(250), now.getRetryAfter());

        Decision waited = limiter.acquire("k", 1, Duration.ofSeconds(2));
        assertEquals(DenyReason.QUEUE_TIMEOUT, waited.getReason());
        assertEquals(Duration.ofSeconds(2), fake.getCalls().get(1).getMaxWait());
        assertEquals(0L, limiter.getRemainingQuota("k"));
        assertEquals(MockClock.DEFAULT_START.plusMillis(250), limiter.nextAvailableTimestamp("k"));
    }

    @Test
    void aJavaLambdaDecidesEachRequest() {
        FakeRateLimiter fake = FakeRateLimiter.scripted((key, permits) -> key.startsWith("paid-"));
        BlockingRateLimiter limiter = fake.asBlocking();

        assertTrue(limiter.tryAcquire("paid-1").isAllowed());
        assertFalse(limiter.tryAcquire("free-1").isAllowed());
        assertEquals(1, fake.callsFor("free-1").size());
        assertEquals(1, fake.grantedCount("paid-1"));
    }

    @Test
    void aScriptIsAnsweredInOrderAndRunsOutLoudly() throws Exception {
        FakeRateLimiter fake = FakeRateLimiter.scripted(true, false);
        BlockingRateLimiter limiter = fake.asBlocking();

        assertEquals("sent", limiter.queueRequest("k", 3, Duration.ofSeconds(1), () -> "sent"));
        RateLimitExceededException denied = assertThrows(
                RateLimitExceededException.class, () -> limiter.queueRequest("k", 3, Duration.ofSeconds(1), () -> "sent"));
        assertEquals(FakeRateLimiter.DEFAULT_RETRY_AFTER, denied.getRetryAfter());
        assertEquals(Integer.valueOf(3), fake.getCalls().get(0).getPriority());
        assertThrows(IllegalStateException.class, () -> limiter.tryAcquire("k"));
    }

    @Test
    void aFakeCanStandInForAGivenPolicyAndClock() {
        MockClock clock = new MockClock(Instant.parse("2026-02-01T00:00:00Z"));
        FakeRateLimiter fake = FakeRateLimiter.denying().withPolicy(LimitPolicy.tokenBucket(40, Rate.perSecond(10))).withClock(clock);

        Decision decision = fake.asBlocking().tryAcquire("k");
        assertEquals(40, decision.getLimit());
        assertEquals(Instant.parse("2026-02-01T00:00:01Z"), fake.asBlocking().nextAvailableTimestamp("k"));
        assertThrows(IllegalArgumentException.class, () -> fake.asBlocking().tryAcquire("k", 41));
    }

    @Test
    void aWrongCountFailsWithExpectedAndActual() {
        FakeRateLimiter fake = FakeRateLimiter.allowing();
        fake.asBlocking().tryAcquire("a");
        AssertionError error = assertThrows(AssertionError.class, () -> fake.assertAcquired("a", 2));
        assertTrue(error.getMessage().startsWith("expected 2 granted request(s) for key 'a' but there were 1"), error.getMessage());
    }
}
