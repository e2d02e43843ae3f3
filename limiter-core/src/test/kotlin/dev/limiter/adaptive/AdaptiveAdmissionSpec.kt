package dev.limiter.adaptive

import dev.limiter.LimitPolicy
import dev.limiter.LocalBucketStore
import dev.limiter.adaptive.internal.scalePolicy
import dev.limiter.nowMicros
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import java.time.Duration

/**
 * What a store admits under the factor, second by second, when each decision uses
 * `scalePolicy(policy, adaptive.factor)` as the engine does for the policies it adapts.
 *
 * A fixed window of one second starts afresh every second, so each second admits exactly the
 * scaled limit, whatever happened to the previous window.
 */
class AdaptiveAdmissionSpec : FunSpec({
    test("a flood of 300 requests a second gets exactly the scaled limit through a spike and back") {
        runTest {
            val clock = MockClock() // starts on a whole second, like the windows
            val start = clock.nowNanos()
            // One load per second: calm, six seconds hot, then calm again.
            val loads = listOf(0.3) + List(6) { 0.95 } + List(16) { 0.3 }
            val signal = LoadSignal { loads[(((clock.nowNanos() - start) / 1_000_000_000L).toInt() - 1).coerceIn(0, loads.size - 1)] }
            val adaptive = AdaptiveLimits(signal, AdaptiveSettings(), clock)
            val free = LimitPolicy.fixedWindow(100, Duration.ofSeconds(1)).named("free")
            val store = LocalBucketStore()

            val admitted = (1..loads.size).map {
                clock.advance(Duration.ofSeconds(1))
                (1..300).count {
                    val policy = scalePolicy(free, adaptive.factor)
                    store.tryConsume("dev-42", policy, 1, clock.nowMicros()).allowed
                }
            }

            admitted shouldBe listOf(
                100,
                75, 56, 42, 31, 25, 25, // x0.75 a second down to the floor of 0.25
                30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100, 100, // +5 a second back
            )
        }
    }
})
