package dev.limiter.redis

import dev.limiter.redis.harness.RedisHarness
import io.lettuce.core.RedisClient
import io.lettuce.core.RedisURI
import io.lettuce.core.ScanArgs
import io.lettuce.core.ScanCursor
import io.lettuce.core.api.StatefulRedisConnection
import io.lettuce.core.api.sync.RedisCommands
import java.util.concurrent.atomic.AtomicInteger

/** One connection to the harness's shared Redis for the whole test JVM, and store factories over it. */
object SharedRedis {
    val client: RedisClient by lazy { RedisClient.create(RedisURI.create(RedisHarness.uri)) }
    val connection: StatefulRedisConnection<String, String> by lazy { client.connect() }
    val sync: RedisCommands<String, String> get() = connection.sync()
    private val stores = AtomicInteger()

    /** Options for a store whose keys no other store shares: a prefix of its own. */
    fun isolatedOptions(): RedisStoreOptions =
        RedisStoreOptions().withKeyPrefix("test${stores.incrementAndGet()}-${ProcessHandle.current().pid()}")

    /** A store on the limiter's clock, as the contract and equivalence tests need. */
    fun clientTimeStore(options: RedisStoreOptions = isolatedOptions()): RedisBucketStore =
        RedisBucketStore.of(connection, options.withTimeSource(RedisStoreOptions.TimeSource.CLIENT))

    /** Every key of [prefix]'s store, found with `SCAN` (which skips keys whose TTL has passed). */
    fun keys(sync: RedisCommands<String, String>, prefix: String, pattern: String = "$prefix:{*"): List<String> {
        val found = ArrayList<String>()
        var cursor: ScanCursor = ScanCursor.INITIAL
        do {
            val page = sync.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1_000))
            found += page.keys
            cursor = page
        } while (!page.isFinished)
        return found
    }
}
