package dev.limiter.config

import dev.limiter.LocalBucketStore
import dev.limiter.RateLimits
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

private fun yaml(capacity: Int) = "policies:\n  free: { algorithm: token-bucket, capacity: $capacity, refill: 1/s }\ndefault-policy: free\n"

/** InMemoryConfigStore's versions and RateLimits.follow. */
class ConfigFollowSpec : FunSpec({
    test("versions start at 1; a stale expected version is a Conflict and an invalid config an Invalid, storing nothing") {
        val store = InMemoryConfigStore(MockClock(), historyLimit = 2)
        store.publish(yaml(1), null, "ana").shouldBeInstanceOf<PublishResult.Published>().published.version shouldBe 1
        store.publish(yaml(2), null).shouldBeInstanceOf<PublishResult.Conflict>().currentVersion shouldBe 1
        store.publish("policies: {}\ndefault-policy: x\n", 1).shouldBeInstanceOf<PublishResult.Invalid>()
        store.publish(yaml(3), 1).shouldBeInstanceOf<PublishResult.Published>()
        store.publish(yaml(4), 2).shouldBeInstanceOf<PublishResult.Published>()
        store.current()!!.version shouldBe 3
        store.history().map { it.version } shouldBe listOf(3L, 2L)
    }

    test("follow applies the current version first, then each one published, until closed") {
        val store = InMemoryConfigStore()
        store.publish(yaml(5), null)
        RateLimits(LimitsConfig.parse(yaml(1)), LocalBucketStore()).use { limits ->
            val handle = limits.follow(store)
            eventually { limits.config.policies.getValue("free").capacity == 5L }
            store.publish(yaml(7), 1)
            eventually { limits.config.policies.getValue("free").capacity == 7L }
            handle.close()
            store.publish(yaml(9), 2)
            delay(100)
            limits.config.policies.getValue("free").capacity shouldBe 7
        }
    }

    test("a store that fails does not stop following: the running config stays and the next answer is applied") {
        var calls = 0
        val inner = InMemoryConfigStore()
        inner.publish(yaml(6), null)
        val flaky = object : ConfigStore by inner {
            override suspend fun current(): VersionedConfig? = if (++calls < 3) throw IllegalStateException("down") else inner.current()
            override fun updates(): Flow<VersionedConfig> = flow { throw IllegalStateException("down") }
        }
        RateLimits(LimitsConfig.parse(yaml(1)), LocalBucketStore()).use { limits ->
            limits.follow(flaky).use {
                limits.config.policies.getValue("free").capacity shouldBe 1
                eventually(10_000) { limits.config.policies.getValue("free").capacity == 6L }
            }
        }
    }
})

/** Polls [condition] every 10 ms for at most [limitMillis]; fails when it never holds. */
private suspend fun eventually(limitMillis: Long = 2_000, condition: () -> Boolean) {
    val start = System.nanoTime()
    while (!condition()) {
        check((System.nanoTime() - start) / 1_000_000 < limitMillis) { "not reached within $limitMillis ms" }
        delay(10)
    }
}
