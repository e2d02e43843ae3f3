@file:JvmName("RedisConfigStores")

package dev.limiter.redis

import dev.limiter.BackendUnavailableException
import dev.limiter.LimiterClock
import dev.limiter.config.ConfigStore
import dev.limiter.config.LimitsConfig
import dev.limiter.config.LimitsConfigException
import dev.limiter.config.PublishResult
import dev.limiter.config.ValidationReport
import dev.limiter.config.VersionedConfig
import dev.limiter.redis.internal.ConfigWatcher
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong

/**
 * A [ConfigStore] in Redis, shared by every node of a service.
 *
 * A publish runs one script: it compares the expected version with the stored one, and only
 * when they match stores the next version (YAML, author, time), bumps the counter, trims the
 * history to [historyLimit] versions and announces the version on a pub/sub channel, all
 * atomically, so two publishers can never both win. The YAML is validated on the publishing
 * node first: an invalid config never reaches Redis.
 *
 * [updates] emits a version when a notice arrives, and a periodic version check every
 * [versionCheck] catches what a node missed (dropped subscription, restart, failover): one
 * `GET` of the version counter, the YAML is read and parsed only when it changed. A node that
 * missed several versions gets the latest, not each one in between; the first check emits
 * the latest version, which a follower that already has it ignores.
 *
 * Keys: `<prefix>:{config:limits}:version`, `:history` (a list of versions) and `:v:<n>` (a
 * hash per version), one hash tag so the script runs on one Redis Cluster node; channel
 * `<prefix>:config:limits:changes`. Redis errors and answers slower than [commandTimeout]
 * surface as [BackendUnavailableException]. Thread-safe.
 */
public class RedisConfigStore internal constructor(
    private val commands: RedisClusterCoroutinesCommands<String, String>,
    openPubSub: (() -> StatefulRedisPubSubConnection<String, String>)?,
    keyPrefix: String,
    /** How often a node checks the version even without a notice. */
    public val versionCheck: Duration,
    /** How many versions [history] keeps. */
    public val historyLimit: Int,
    private val commandTimeout: Duration,
    private val clock: LimiterClock,
    private val onClose: () -> Unit,
) : ConfigStore {
    private val base = "$keyPrefix:{config:limits}"
    private val versionKey = "$base:version"
    private val historyKey = "$base:history"
    private val channel = "$keyPrefix:config:limits:changes"
    private val parsed = ConcurrentHashMap<Long, VersionedConfig>()
    private val emitted = AtomicLong(0)
    private val published = MutableSharedFlow<VersionedConfig>(extraBufferCapacity = 16, onBufferOverflow = BufferOverflow.DROP_OLDEST)
    private val watcher = ConfigWatcher(channel, versionCheck.toMillis().coerceAtLeast(1), openPubSub, ::check)

    init {
        require(historyLimit >= 1) { "historyLimit must be at least 1, was $historyLimit; use e.g. 50" }
    }

    override suspend fun current(): VersionedConfig? = redis {
        val version = commands.get(versionKey)?.toLong() ?: 0
        if (version == 0L) null else version(version)
    }

    override suspend fun publish(yaml: String, expectedVersion: Long?, author: String?): PublishResult {
        val config = try {
            LimitsConfig.parse(yaml)
        } catch (e: LimitsConfigException) {
            return PublishResult.Invalid(ValidationReport(false, e.errors))
        }
        val at = Instant.ofEpochSecond(0, clock.nowNanos())
        val reply = redis {
            commands.eval<List<Long>>(
                PUBLISH, ScriptOutputType.MULTI, arrayOf(versionKey, historyKey),
                (expectedVersion ?: 0).toString(), yaml, author.orEmpty(), at.toString(), historyLimit.toString(), "$base:v:", channel,
            )
        }
        val version = reply!![1]
        if (reply[0] != 1L) return PublishResult.Conflict(version)
        val stored = VersionedConfig(version, yaml, config, at, author)
        parsed[version] = stored
        watcher.poke()
        return PublishResult.Published(stored)
    }

    override fun updates(): Flow<VersionedConfig> = published.asSharedFlow()

    override suspend fun history(limit: Int): List<VersionedConfig> = redis {
        commands.lrange(historyKey, 0, (limit - 1).toLong()).toList().mapNotNull { version(it.toLong()) }
    }

    /** Stops following notices and closes what this store opened; a bucket store it came from stays open. */
    override fun close() {
        watcher.close()
        onClose()
    }

    override fun toString(): String = "RedisConfigStore($base)"

    /** Emits the stored version when it is newer than the last one emitted. */
    private suspend fun check() {
        val latest = redis { commands.get(versionKey)?.toLong() ?: 0 }
        if (latest <= emitted.get()) return
        val version = redis { version(latest) } ?: return
        if (emitted.getAndAccumulate(latest, ::maxOf) < latest) published.emit(version)
    }

    /** Reads (or recalls) version [n]; `null` when it was trimmed from the history. */
    private suspend fun version(n: Long): VersionedConfig? {
        parsed[n]?.let { return it }
        val fields = commands.hgetall("$base:v:$n").toList().associate { it.key to it.value }
        val yaml = fields["yaml"] ?: return null
        val stored = VersionedConfig(n, yaml, LimitsConfig.parse(yaml), Instant.parse(fields.getValue("at")), fields["author"]?.ifEmpty { null })
        if (parsed.size >= historyLimit * 2) parsed.keys.removeIf { it < n - historyLimit }
        parsed[n] = stored
        return stored
    }

    private suspend fun <T> redis(block: suspend () -> T): T = try {
        withTimeout(commandTimeout.toMillis()) { block() }
    } catch (e: TimeoutCancellationException) {
        throw BackendUnavailableException("Redis answered no config command within $commandTimeout", e)
    } catch (e: CancellationException) {
        throw e
    } catch (e: LimitsConfigException) {
        throw e
    } catch (e: RuntimeException) {
        throw BackendUnavailableException("Redis failed a config command: ${e.message}", e)
    }

    public companion object {
        /** How often a node checks the version without a notice, by default. */
        @JvmField
        public val DEFAULT_VERSION_CHECK: Duration = Duration.ofSeconds(2)
        private const val DEFAULT_HISTORY = 50
        private val COMMAND_TIMEOUT = Duration.ofSeconds(2)

        /**
         * Connects to Redis at [uri] (any URI [RedisBucketStore.connect] takes) and returns a
         * store that closes its connections when closed.
         *
         * @throws IllegalArgumentException when [uri] is not a Redis URI.
         * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached.
         */
        @JvmStatic
        @JvmOverloads
        public fun connect(
            uri: String,
            versionCheck: Duration = DEFAULT_VERSION_CHECK,
            keyPrefix: String = "limiter",
            clock: LimiterClock = LimiterClock.SYSTEM,
        ): RedisConfigStore {
            val buckets = RedisBucketStore.connect(uri, RedisStoreOptions().withKeyPrefix(keyPrefix))
            return of(buckets, versionCheck, clock) { buckets.close() }
        }

        /**
         * Returns a store over [buckets]' connection, under its key prefix; closing the config
         * store leaves [buckets] open. Change notices need a store opened by
         * [RedisBucketStore.connect] or from a client; over a caller's connection the store
         * follows by version checks alone.
         */
        @JvmStatic
        @JvmOverloads
        public fun of(
            buckets: RedisBucketStore,
            versionCheck: Duration = DEFAULT_VERSION_CHECK,
            clock: LimiterClock = LimiterClock.SYSTEM,
        ): RedisConfigStore = of(buckets, versionCheck, clock) {}

        private fun of(buckets: RedisBucketStore, versionCheck: Duration, clock: LimiterClock, onClose: () -> Unit): RedisConfigStore {
            require(!versionCheck.isNegative && !versionCheck.isZero) {
                "versionCheck must be positive, was $versionCheck; use e.g. Duration.ofSeconds(2)"
            }
            return RedisConfigStore(
                buckets.commands, buckets.openPubSub, buckets.options.keyPrefix, versionCheck, DEFAULT_HISTORY,
                COMMAND_TIMEOUT, clock, onClose,
            )
        }

        private val PUBLISH = """
            local current = tonumber(redis.call('GET', KEYS[1]) or '0')
            if current ~= tonumber(ARGV[1]) then return { 0, current } end
            local next = current + 1
            redis.call('HSET', ARGV[6] .. next, 'yaml', ARGV[2], 'author', ARGV[3], 'at', ARGV[4])
            redis.call('SET', KEYS[1], next)
            redis.call('LPUSH', KEYS[2], next)
            while redis.call('LLEN', KEYS[2]) > tonumber(ARGV[5]) do
              redis.call('DEL', ARGV[6] .. redis.call('RPOP', KEYS[2]))
            end
            redis.call('PUBLISH', ARGV[7], next)
            return { 1, next }
        """.trimIndent()
    }
}

/**
 * Returns a [RedisConfigStore] on this bucket store's Redis and key prefix, checking the
 * version every [versionCheck] besides following notices; closing it leaves this store open.
 */
@JvmOverloads
public fun RedisBucketStore.configStore(
    versionCheck: Duration = RedisConfigStore.DEFAULT_VERSION_CHECK,
    clock: LimiterClock = LimiterClock.SYSTEM,
): RedisConfigStore = RedisConfigStore.of(this, versionCheck, clock)
