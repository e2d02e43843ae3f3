package dev.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Java reads a rate's period as a java.time.Duration; the raw microseconds stay Kotlin-only. */
class RateJavaTest {
    @Test
    void thePeriodIsAJavaDuration() {
        Rate rate = Rate.parse("5/30s");
        assertEquals(5, rate.getAmount());
        assertEquals(Duration.ofSeconds(30), rate.getPeriod());
        assertEquals(Rate.parse("5/30s"), Rate.of(5, Duration.ofSeconds(30)));
    }

    @Test
    void theMicrosecondGetterIsHiddenFromJava() throws Exception {
        Method micros = Rate.class.getMethod("getPeriodMicros");
        assertTrue(micros.isSynthetic(), "getPeriodMicros should be synthetic, so javac does not offer it");
    }
}
