package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.limiter.testing.MockClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimitedProxyJavaTest {
    @DefaultLimits(calls = 10, period = "1h")
    interface Quotes {
        @DefaultLimits(calls = 2, period = "1s")
        String quote(String symbol);

        String history(String symbol);
    }

    interface Health {
        String status();
    }

    private final MockClock clock = new MockClock();
    private final AtomicInteger served = new AtomicInteger();

    private final Quotes target = new Quotes() {
        @Override
        public String quote(String symbol) {
            served.incrementAndGet();
            return symbol + "=42";
        }

        @Override
        public String history(String symbol) {
            served.incrementAndGet();
            return symbol + ":[]";
        }
    };

    @Test
    void anAnnotatedMethodThrowsOnceItsCallsAreSpent() {
        Quotes quotes = RateLimitedProxy.create(Quotes.class, target, new LocalBucketStore(), clock);

        assertEquals("ACME=42", quotes.quote("ACME"));
        assertEquals("ACME=42", quotes.quote("ACME"));
        RateLimitExceededException thrown = assertThrows(RateLimitExceededException.class, () -> quotes.quote("ACME"));

        assertEquals(Duration.ofMillis(500), thrown.getRetryAfter());
        assertEquals(2, served.get());
        clock.advance(Duration.ofMillis(500));
        assertEquals("ACME=42", quotes.quote("ACME"));
    }

    @Test
    void theInterfaceAnnotationLimitsMethodsWithoutTheirOwn() {
        Quotes quotes = RateLimitedProxy.create(Quotes.class, target, new LocalBucketStore(), clock);

        for (int i = 0; i < 10; i++) {
            assertEquals("ACME:[]", quotes.history("ACME"));
        }
        assertThrows(RateLimitExceededException.class, () -> quotes.history("ACME"));
        assertEquals(10, served.get());
    }

    @Test
    void anInterfaceWithoutAnnotationsIsNotLimited() {
        Health health = RateLimitedProxy.create(Health.class, () -> "ok");

        for (int i = 0; i < 1_000; i++) {
            assertEquals("ok", health.status());
        }
    }

    @Test
    void aClassInsteadOfAnInterfaceIsRefused() {
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
            () -> RateLimitedProxy.create(String.class, "text"));
        assertEquals("iface must be an interface to proxy, was class java.lang.String; extract an interface", thrown.getMessage());
    }
}
