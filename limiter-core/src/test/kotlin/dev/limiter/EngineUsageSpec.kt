package dev.limiter

import dev.limiter.config.LimitsConfig
import dev.limiter.internal.EngineUsage
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.time.Duration

/** Per-minute usage of the engine: per node in memory, or buffered and flushed to a shared store. */
class EngineUsageSpec : FunSpec({
    val config = LimitsConfig.parse(
        "policies:\n  free: { algorithm: token-bucket, capacity: 2, refill: 1/m }\ndefault-policy: free\n" +
            "endpoints: { \"POST /reports\": { cost: 2 } }\n",
    )

    test("a local engine counts allowed, rejected and permits per key, busiest first") {
        val clock = MockClock()
        RateLimits(config, LocalBucketStore(), clock).use { limits ->
            repeat(3) { limits.check("a") }
            limits.check("b", "POST /reports")
            limits.usage("a") shouldBe KeyUsage("a", 2, 1, 2)
            limits.usage("b") shouldBe KeyUsage("b", 1, 0, 2)
            limits.topKeys(1) shouldBe listOf(KeyUsage("a", 2, 1, 2))
            limits.usage("never") shouldBe KeyUsage("never", 0, 0, 0)
        }
    }

    test("counts older than the retention window are forgotten") {
        val clock = MockClock()
        RateLimits(config, LocalBucketStore(), clock).use { limits ->
            limits.check("a")
            clock.advance(Duration.ofMinutes(59))
            limits.check("a")
            limits.usage("a").allowed shouldBe 2
            clock.advance(Duration.ofMinutes(1))
            limits.usage("a").allowed shouldBe 1
            clock.advance(Duration.ofMinutes(60))
            limits.topKeys(10) shouldBe emptyList()
        }
    }

    test("with a shared store nothing leaves the node until a flush, which moves every count once") {
        val clock = MockClock()
        val shared = RecordingSharedUsage()
        val usage = EngineUsage(clock, shared, flushMillis = 3_600_000)
        try {
            val allowed = Decision.allowed("k", 1, 2)
            usage.record("k", allowed, 3)
            usage.record("k", Decision.denied("k", DenyReason.LIMITED, Duration.ofSeconds(1)), 1)
            shared.added shouldBe emptyList()
            usage.flush()
            shared.added shouldBe listOf(KeyUsage("k", 1, 1, 3))
            usage.flush()
            shared.added.size shouldBe 1
        } finally {
            usage.close()
        }
    }

    test("a failed flush keeps the counts for the next one") {
        val clock = MockClock()
        val shared = RecordingSharedUsage().apply { failing = true }
        val usage = EngineUsage(clock, shared, flushMillis = 3_600_000)
        try {
            usage.record("k", Decision.allowed("k", 1, 2), 1)
            runCatching { usage.flush() }.isFailure shouldBe true
            shared.failing = false
            usage.flush()
            shared.added shouldBe listOf(KeyUsage("k", 1, 0, 1))
        } finally {
            usage.close()
        }
    }
})

private class RecordingSharedUsage : SharedUsageStore {
    val added = java.util.concurrent.CopyOnWriteArrayList<KeyUsage>()

    @Volatile var failing = false

    override suspend fun addUsage(minute: Long, counts: List<KeyUsage>, retentionMinutes: Int) {
        if (failing) throw IllegalStateException("down")
        added += counts
    }

    override suspend fun readUsage(key: String, fromMinute: Long, toMinute: Long): KeyUsage = KeyUsage(key, 0, 0, 0)

    override suspend fun readTopKeys(limit: Int, fromMinute: Long, toMinute: Long): List<KeyUsage> = emptyList()
}
