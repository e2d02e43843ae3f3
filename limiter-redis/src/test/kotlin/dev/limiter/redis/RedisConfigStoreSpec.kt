package dev.limiter.redis

import dev.limiter.config.VersionedConfig
import dev.limiter.BackendUnavailableException
import dev.limiter.config.PublishResult
import dev.limiter.redis.harness.RedisHarness
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.lettuce.core.RedisClient
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.onSubscription
import kotlinx.coroutines.flow.onStart
import kotlinx.coroutines.withTimeout
import java.time.Duration

/** Config versions in a real Redis: compare-and-publish, history, notices and the version check. */
class RedisConfigStoreSpec : FunSpec({
    timeout = 60_000

    fun yaml(capacity: Int) = "policies:\n  free: { algorithm: token-bucket, capacity: $capacity, refill: 10/s }\ndefault-policy: free\n"

    test("versions count up from 1 and a stale expected version is told Conflict, storing nothing") {
        RedisConfigStore.connect(RedisHarness.uri, keyPrefix = "cfg-${System.nanoTime()}").use { store ->
            store.current() shouldBe null
            store.publish(yaml(10), null, "ana").shouldBeInstanceOf<PublishResult.Published>().published.version shouldBe 1
            store.publish(yaml(20), 1, "bo").shouldBeInstanceOf<PublishResult.Published>().published.version shouldBe 2
            store.publish(yaml(30), 1, "cy").shouldBeInstanceOf<PublishResult.Conflict>().currentVersion shouldBe 2
            store.publish(yaml(30), null, "cy").shouldBeInstanceOf<PublishResult.Conflict>().currentVersion shouldBe 2
            val current = store.current()!!
            current.version shouldBe 2
            current.author shouldBe "bo"
            current.config.policies.getValue("free").capacity shouldBe 20
            store.history().map { it.version } shouldBe listOf(2L, 1L)
        }
    }

    test("an invalid config is never stored and its report has every error") {
        RedisConfigStore.connect(RedisHarness.uri, keyPrefix = "cfg-${System.nanoTime()}").use { store ->
            val bad = "policies:\n  free: { algorithm: token-bucket, capacity: -1, refill: 10/q }\ndefault-policy: nope\n"
            val invalid = store.publish(bad, null).shouldBeInstanceOf<PublishResult.Invalid>()
            (invalid.report.errors.size >= 3) shouldBe true
            store.current() shouldBe null
        }
    }

    test("the history keeps the newest versions only") {
        val prefix = "cfg-${System.nanoTime()}"
        RedisConfigStore.connect(RedisHarness.uri, keyPrefix = prefix).use { store ->
            var expected: Long? = null
            repeat(55) { i -> expected = (store.publish(yaml(i + 1), expected) as PublishResult.Published).published.version }
            val history = store.history(100)
            history shouldHaveSize 50
            history.first().version shouldBe 55
            history.last().version shouldBe 6
            store.history(3).map { it.version } shouldBe listOf(55L, 54L, 53L)
        }
        val client = RedisClient.create(RedisHarness.uri)
        try {
            client.connect().use { c -> c.sync().keys("$prefix:{config:limits}:v:*").size shouldBe 50 }
        } finally {
            client.shutdown()
        }
    }

    test("a second node sees a version published on the first through a notice, long before its version check") {
        val prefix = "cfg-${System.nanoTime()}"
        RedisConfigStore.connect(RedisHarness.uri, Duration.ofMinutes(5), prefix).use { a ->
            RedisConfigStore.connect(RedisHarness.uri, Duration.ofMinutes(5), prefix).use { b ->
                coroutineScope {
                    val subscribed = CompletableDeferred<Unit>()
                    // onSubscription runs once the collector is registered with the shared flow
                    // (onStart ran before, and a notice handled in between was emitted to no one).
                    val updates = b.updates().shouldBeInstanceOf<SharedFlow<VersionedConfig>>()
                    val seen = async(Dispatchers.Default) {
                        updates.onSubscription { subscribed.complete(Unit) }.first()
                    }
                    subscribed.await()
                    val start = System.nanoTime()
                    a.publish(yaml(7), null)
                    withTimeout(5_000) { seen.await() }.version shouldBe 1
                    println("notice reached the second node after ${(System.nanoTime() - start) / 1_000_000} ms")
                }
            }
        }
    }

    test("with Redis gone, reads and publishes fail as BackendUnavailableException") {
        val server = RedisHarness.startServer()
        val store = RedisConfigStore.connect(server.uri)
        try {
            store.publish(yaml(1), null).shouldBeInstanceOf<PublishResult.Published>()
            server.kill()
            shouldThrow<BackendUnavailableException> { store.publish(yaml(2), 1) }
            shouldThrow<BackendUnavailableException> { store.current() }
        } finally {
            store.close()
            server.kill()
        }
    }
})
