package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.harness.RedisHarness
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import io.lettuce.core.api.sync.RedisCommands

/**
 * One command per decision, and transparent recovery when Redis has lost its scripts: counted
 * with `INFO commandstats` on a Redis server of its own.
 */
class ScriptReloadSpec : FunSpec({
    val server = RedisHarness.startServer()
    val client = RedisClient.create(server.uri)
    val sync: RedisCommands<String, String> = client.connect().sync()
    val store = RedisBucketStore.connect(server.uri, RedisStoreOptions().withDenyCacheSize(0))
    val policy = LimitPolicy.tokenBucket(5, Rate.perHour(1))
    afterSpec {
        store.close()
        client.shutdown()
        server.stop()
    }

    /**
     * Calls per command name since the last `CONFIG RESETSTAT`, leaving out the test's own
     * INFO. Redis also counts the commands a script runs (TIME, GET, SET): their exact counts
     * show the client sent none of its own.
     */
    fun commandCalls(): Map<String, Long> = sync.info("commandstats").lines()
        .filter { it.startsWith("cmdstat_") }
        .associate { line ->
            line.substringAfter("cmdstat_").substringBefore(':') to
                line.substringAfter("calls=").substringBefore(',').toLong()
        }
        .filterKeys { it != "info" && it != "config" }

    test("a warm store sends exactly one EVALSHA per decision and nothing else") {
        store.tryConsume("warm-up", policy, 1, 0)
        sync.configResetstat()
        repeat(100) { store.tryConsume("developer-$it", policy, 1, 0) }
        repeat(50) { store.tryConsume("developer-1", policy, 1, 0) }
        // developer-1 had 5 permits: 1 + 4 of its 50 extra requests granted, 46 denied.
        commandCalls() shouldBe mapOf("evalsha" to 150L, "time" to 150L, "get" to 150L, "set" to 104L)
    }

    test("after SCRIPT FLUSH the next decision reloads the script in one extra command and carries on") {
        store.tryConsume("flushed", policy, 2, 0).remaining shouldBe 3
        sync.scriptFlush()
        sync.configResetstat()
        store.tryConsume("flushed", policy, 1, 0).remaining shouldBe 2
        store.tryConsume("flushed", policy, 1, 0).remaining shouldBe 1
        // The first EVALSHA fails with NOSCRIPT, EVAL answers and caches; then EVALSHA again.
        commandCalls().filterKeys { it.startsWith("eval") } shouldBe mapOf("evalsha" to 2L, "eval" to 1L)
    }

    test("after the data is wiped, buckets start over full and decisions carry on") {
        store.tryConsume("wiped", policy, 5, 0).allowed shouldBe true
        store.tryConsume("wiped", policy, 1, 0).allowed shouldBe false
        sync.flushall()
        store.tryConsume("wiped", policy, 1, 0).remaining shouldBe 4
    }
})
