package dev.limiter.adaptive

import dev.limiter.testing.MockClock
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.time.Duration

/** Whatever the loads, the factor stays in [minFactor, 1] and moves only across a watermark. */
class AdaptiveLimitsPropertySpec : FunSpec({
    test("for random loads and settings, every step is a decrease above high, an increase below low, or none") {
        val random = java.util.Random(42)
        repeat(200) {
            val low = random.nextInt(90) / 100.0
            val settings = AdaptiveSettings(
                high = low + 0.01 + random.nextInt(50) / 100.0, low = low,
                minFactor = (1 + random.nextInt(1000)) / 1000.0, decrease = (1 + random.nextInt(998)) / 1000.0,
                increase = (1 + random.nextInt(1000)) / 1000.0,
            )
            val clock = MockClock()
            var load = 0.0
            val adaptive = AdaptiveLimits(LoadSignal { load }, settings, clock)
            var factor = adaptive.factor
            repeat(50) {
                load = random.nextDouble() * 1.5
                clock.advance(Duration.ofSeconds(1))
                val next = adaptive.factor
                withClue("$settings, load $load: $factor -> $next") {
                    (next >= settings.minFactor - 0.0005 && next <= 1.0) shouldBe true
                    when {
                        load > settings.high -> (next < factor || next == factor && factor <= settings.minFactor + 0.0005) shouldBe true
                        load < settings.low -> (next > factor || next == 1.0) shouldBe true
                        else -> next shouldBe factor
                    }
                }
                factor = next
            }
        }
    }
})
