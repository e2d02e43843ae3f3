package dev.limiter.adaptive

import dev.limiter.Caller
import dev.limiter.RateLimits
import dev.limiter.config.LimitsConfig
import dev.limiter.testing.MockClock
import dev.limiter.testing.VirtualClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.kotest.matchers.types.shouldNotBeSameInstanceAs
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.test.runTest
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * The engine applies its config's `adaptive:` section by itself, keeps the factor across a
 * reload that keeps the section, lets an explicit [RateLimits.adapt] win, and keeps a scaled
 * policy's queue (and its waiters) across moves of the factor.
 */
class EngineAdaptiveSpec : FunSpec({
    fun yaml(limit: Int, adaptive: String?) = """
        policies:
          free: { algorithm: fixed-window, limit: $limit, window: 1s }
          pro: { algorithm: fixed-window, limit: 100, window: 1s }
        default-policy: free
        keys: { dev-42: pro }
    """.trimIndent() + (adaptive?.let { "\nadaptive: $it" } ?: "")

    val errors = "{ signal: error-rate, error-threshold: 0.1, interval: 1s, policies: [free] }"

    /** Admitted of [n] checks by [key] now. */
    suspend fun RateLimits.admitted(key: String, n: Int = 300) = (1..n).count { check(key).allowed }

    /** Feeds 20 failed responses: an error rate of 1, ten times the threshold. */
    fun RateLimits.hot() = repeat(20) { adaptive!!.recordResponse(Duration.ofMillis(5), failed = true) }

    test("the config's adaptive section scales its policies with no call to adapt, and a reload that keeps it keeps the factor") {
        runTest {
            val clock = MockClock()
            val limits = RateLimits(LimitsConfig.parse(yaml(100, errors)), clock = clock)
            limits.adaptivePolicies shouldBe setOf("free")
            val adaptive = limits.adaptive!!
            limits.hot()
            clock.advance(Duration.ofSeconds(1))
            limits.admitted("k1") shouldBe 75
            limits.admitted("dev-42") shouldBe 100 // pro is not adaptive

            // A reload that changes the numbers but not the section: same loop, same factor.
            limits.update(LimitsConfig.parse(yaml(200, errors)))
            limits.adaptive shouldBeSameInstanceAs adaptive
            clock.advance(Duration.ofSeconds(1)) // the error window still reads hot: 0.75 * 0.75
            limits.admitted("k1") shouldBe 112 // floor(200 * 0.562)

            // A reload that changes the loop starts a new one, at 1.
            limits.update(LimitsConfig.parse(yaml(200, errors.replace("interval: 1s", "interval: 2s"))))
            limits.adaptive shouldNotBeSameInstanceAs adaptive
            clock.advance(Duration.ofSeconds(1))
            limits.admitted("k1") shouldBe 200

            // A reload without the section stops scaling.
            limits.update(LimitsConfig.parse(yaml(200, null)))
            limits.adaptive.shouldBeNull()
            limits.adaptivePolicies shouldBe emptySet()
        }
    }

    test("an explicit adapt wins over the config's section, also after a reload") {
        runTest {
            val clock = MockClock()
            val limits = RateLimits(LimitsConfig.parse(yaml(100, errors)), clock = clock)
            val scripted = AdaptiveLimits({ 0.95 }, AdaptiveSettings(), clock)
            limits.adapt(scripted, setOf("pro"))
            limits.update(LimitsConfig.parse(yaml(100, errors)))
            limits.adaptive shouldBeSameInstanceAs scripted
            limits.adaptivePolicies shouldBe setOf("pro")
            clock.advance(Duration.ofSeconds(1))
            limits.admitted("dev-42") shouldBe 75
            limits.admitted("k1") shouldBe 100
        }
    }

    test("callers queued under a scaled policy keep waiting across moves of the factor, in the same queue") {
        runTest {
            val clock = VirtualClock(testScheduler)
            val config = LimitsConfig.parse(
                "policies:\n  free: { algorithm: token-bucket, capacity: 4, refill: 2/s }\ndefault-policy: free",
            )
            val limits = RateLimits(config, clock = clock)
            limits.adapt(AdaptiveLimits({ 0.95 }, AdaptiveSettings(), clock), setOf("free"))
            val queue = limits.limiter("free")
            repeat(4) { limits.check("k").allowed.shouldBeTrue() }

            // Twelve waiters over an empty bucket, three joining every 0.7 s: they join under
            // different factors and wait while it steps down each second (0.75, 0.562, ...).
            val decisions = (0 until 12).map { i ->
                async {
                    delay((i / 3) * 700L)
                    limits.checkQueued(Caller.apiKey("k"), maxWait = 30.seconds)
                }
            }.awaitAll()

            decisions.all { it.allowed } shouldBe true
            decisions.last().limit shouldBe 1 // served at the floor: floor(4 * 0.25) = 1
            limits.limiter("free") shouldBeSameInstanceAs queue
            queue.policy shouldBe config.policies.getValue("free") // the configured numbers; the store scales
            limits.close()
        }
    }

    test("with calls spread over every window and the factor moving mid-run, no window admits more than its scaled limit") {
        runTest {
            val clock = MockClock()
            val start = clock.nowNanos()
            val loads = List(3) { 0.3 } + List(6) { 0.95 } + List(8) { 0.3 }
            val signal = LoadSignal { loads[((clock.nowNanos() - start) / 1_000_000_000L).toInt().coerceIn(0, loads.size - 1)] }
            val limits = RateLimits(LimitsConfig.parse(yaml(150, null)), clock = clock)
            val adaptive = AdaptiveLimits(signal, AdaptiveSettings(), clock)
            limits.adapt(adaptive, setOf("free"))
            val admitted = IntArray(loads.size)
            val factors = DoubleArray(loads.size)
            for (ms in 0 until loads.size * 1000) {
                val second = ms / 1000
                if (ms % 1000 == 0) factors[second] = adaptive.factor // moves only on the window's boundary (interval 1 s)
                // Two keys, a call every millisecond each: 1,000 a second per key, the factor read mid-window.
                if (limits.check("key-0").allowed) admitted[second]++
                if (limits.check("key-1").allowed) admitted[second]++
                clock.advance(Duration.ofMillis(1))
            }
            admitted.indices.forEach { s -> (admitted[s] <= 2 * 150) shouldBe true }
            admitted.toList() shouldBe factors.map { 2 * (150 * Math.round(it * 1000) / 1000).toInt() }
            factors.min() shouldBe 0.25
        }
    }
})
