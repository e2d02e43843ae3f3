package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import io.lettuce.core.codec.StringCodec
import io.lettuce.core.output.StatusOutput
import io.lettuce.core.protocol.CommandArgs
import io.lettuce.core.protocol.CommandType
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeoutOrNull

/**
 * A caller that gives up on a decision (a fault-tolerance timeout, a cancelled request) was
 * answered some other way: if its request is still queued for the next batch, Redis must never
 * charge it. Requests already sent cannot be recalled; Redis decides them when it answers.
 */
class AbandonedRequestSpec : FunSpec({
    val server = RedisHarness.startServer()
    val admin = RedisClient.create(server.uri)
    val sync = admin.connect().sync()
    val policy = LimitPolicy.tokenBucket(5, Rate.perHour(1))
    val t0 = 1_767_225_600_000_000L
    afterSpec {
        admin.shutdown()
        server.stop()
    }

    fun client(vararg args: String): String =
        sync.dispatch(CommandType.CLIENT, StatusOutput(StringCodec.UTF8), CommandArgs(StringCodec.UTF8).addValues(*args))

    test("a request abandoned while queued behind calls to a paused Redis is never sent") {
        val options = RedisStoreOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT).withKeyPrefix("abandon")
        RedisBucketStore.connect(server.uri, options).use { store ->
            store.tryConsume("warm-up", policy, 1, t0).allowed shouldBe true
            // Paused until unpaused below: the store's scripts (writes) wait, CLIENT UNPAUSE does not.
            client("PAUSE", "600000", "WRITE")
            coroutineScope {
                // Two calls go out at once (the batcher's calls in flight), the third queues.
                val callers = (1..3).map { i -> async { withTimeoutOrNull(300) { store.tryConsume("k$i", policy, 1, t0) } } }
                callers.awaitAll() shouldBe listOf(null, null, null)
            }
            client("UNPAUSE")
            // The connection answers in order: once this later call is decided, Redis has run
            // whatever the store sent before it.
            store.tryConsume("after", policy, 1, t0).allowed shouldBe true
            store.inspect("k1", policy, 1, t0).remaining shouldBe 4 // sent before its caller gave up
            store.inspect("k2", policy, 1, t0).remaining shouldBe 4
            store.inspect("k3", policy, 1, t0).remaining shouldBe 5 // queued when abandoned: never charged
        }
    }
})
