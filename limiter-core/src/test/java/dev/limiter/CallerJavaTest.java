package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limiter.config.LimitsConfig;
import dev.limiter.testing.MockClock;
import org.junit.jupiter.api.Test;

/** Java names callers through Caller's static factories and checks them with RateLimits.checkBlocking. */
class CallerJavaTest {
    @Test
    void eachKindOfCallerHasItsOwnBucketNamespace() {
        assertEquals("dev-42", Caller.apiKey("dev-42").getBucketKey());
        assertEquals("dev-42", Caller.apiKey("dev-42").getKey());
        assertEquals("user:alice", Caller.principal("alice").getBucketKey());
        assertEquals("ip:192.0.2.1", Caller.address("192.0.2.1").getBucketKey());
        assertNull(Caller.address("192.0.2.1").getKey());
        // An API key that looks like another namespace cannot borrow that namespace's bucket.
        assertEquals("key:user:alice", Caller.apiKey("user:alice").getBucketKey());
        assertNotEquals(Caller.principal("alice"), Caller.apiKey("user:alice"));
        assertEquals(Caller.principal("alice"), Caller.parse("user:alice"));
        assertEquals(Caller.apiKey("user:alice"), Caller.parse("key:user:alice"));
    }

    @Test
    void aPrincipalAndAnAddressAreLimitedApartAndResetFromJava() {
        LimitsConfig config = LimitsConfig.parse("policies:\n  free: { algorithm: token-bucket, capacity: 1, refill: 1/h }\ndefault-policy: free\n");
        try (RateLimits limits = RateLimits.builder(config).clock(new MockClock()).build()) {
            Caller alice = Caller.principal("alice");
            assertTrue(limits.checkBlocking(alice, "GET /reports").isAllowed());
            assertFalse(limits.checkBlocking(alice, "GET /reports").isAllowed());
            assertTrue(limits.checkBlocking(Caller.address("192.0.2.1"), null).isAllowed());
            Decision status = limits.statusBlocking(alice, "GET /reports");
            assertFalse(status.isAllowed());
            assertEquals("user:alice", status.getKey());
            limits.resetBlocking(alice);
            assertEquals(1, limits.statusBlocking(alice, "GET /reports").getRemaining());
            assertTrue(limits.checkBlocking(alice, "GET /reports").isAllowed());
        }
    }
}
