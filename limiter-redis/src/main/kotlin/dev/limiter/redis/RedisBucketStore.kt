package dev.limiter.redis

import dev.limiter.BucketSnapshot
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.redis.internal.DenyCache
import dev.limiter.redis.internal.LimiterScripts
import dev.limiter.redis.internal.RedisKeys
import dev.limiter.redis.internal.ScriptRunner
import dev.limiter.redis.internal.RedisConnections
import io.lettuce.core.ExperimentalLettuceCoroutinesApi
import io.lettuce.core.RedisClient
import io.lettuce.core.api.StatefulRedisConnection
import io.lettuce.core.api.coroutines
import io.lettuce.core.cluster.RedisClusterClient
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection
import io.lettuce.core.cluster.api.coroutines
import kotlinx.coroutines.flow.toList
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands

/**
 * Keeps buckets in Redis, so that every node of a service shares one quota: one `EVALSHA`
 * per decision, running the Lua twin of the policy's algorithm.
 *
 * Works with standalone Redis, Sentinel and Redis Cluster: a bucket's keys share one hash
 * tag, so each script touches one slot. Keys are `<prefix>:{<policy>:<escaped key>}`; a
 * caller's key can neither pick a slot nor collide with another key (see [RedisStoreOptions]).
 * Every write carries a TTL that ends when the bucket is at rest again (plus
 * [RedisStoreOptions.ttlSlack]), so idle keys vanish on their own.
 *
 * Time comes from Redis `TIME` by default, so nodes with skewed clocks agree; with
 * [RedisStoreOptions.TimeSource.CLIENT] it is the `nowMicros` the limiter passes. Durations
 * in the answers are relative, so either way the caller turns them into instants on its
 * own clock.
 *
 * [tryConsumeNow] returns `null`: a remote store cannot answer without suspending.
 * Redis errors propagate; [enableFaultTolerance] wraps the store so that they do not.
 * Thread-safe; create one per application and share it between limiters.
 */
public class RedisBucketStore internal constructor(
    commands: RedisClusterCoroutinesCommands<String, String>,
    /** The settings this store runs with. */
    public val options: RedisStoreOptions,
    private val onClose: () -> Unit,
) : BucketStore {
    private val runner = ScriptRunner(commands)
    private val redis = commands
    private val keys = RedisKeys(options.keyPrefix)
    private val denyCache = DenyCache(options.denyCacheSize)
    private val slackMicros = options.ttlSlack.toNanos() / 1_000
    private val usageMillis = options.usageRetention.toMillis().toString()

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision {
        checkPermits(permits, policy)
        denyCache.lookup(key, policy, permits, nowMicros)?.let { return it }
        val reply = run(key, policy, permits, commit = true, nowMicros)
        val allowed = reply.long(0) == 1L
        val retry = reply.long(2)
        val reset = reply.long(3)
        val decision = Decision.fromMicros(
            allowed, reply.long(1), policy.capacity, retry, reset, key, if (allowed) null else DenyReason.LIMITED,
        )
        if (!allowed) denyCache.remember(policy, permits, nowMicros, decision, retry, reset)
        return decision
    }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot {
        checkPermits(permits, policy)
        val reply = run(key, policy, permits, commit = false, nowMicros)
        return BucketSnapshot(
            tokens = reply.long(4).toDouble() / reply.long(5),
            remaining = reply.long(1),
            limit = policy.capacity,
            retryAfterMicros = reply.long(2),
            resetAfterMicros = reply.long(3),
        )
    }

    override suspend fun reset(key: String, policy: LimitPolicy) {
        denyCache.forget(key, policy)
        val all = keys.all(policy, key)
        // Usage counters survive a reset: they count requests, not the bucket's state.
        redis.del(all[0], all[2])
    }

    /**
     * Returns the cluster-wide counts of [key] under [policy], summed over every node, since
     * the key's counters were created; zero counts when [RedisStoreOptions.usageRetention] is
     * zero or the key has had no request within it. Requests answered by this node's deny
     * cache are not counted.
     */
    public suspend fun usage(key: String, policy: LimitPolicy): KeyUsage {
        val values = redis.hmget(keys.all(policy, key)[1], "a", "r", "p").toList()
        fun field(name: String): Long = values.firstOrNull { it.key == name }?.getValueOrElse("0")?.toLong() ?: 0
        return KeyUsage(key, field("a"), field("r"), field("p"))
    }

    /** The Redis key holding [key]'s bucket under [policy]. */
    internal fun stateKey(key: String, policy: LimitPolicy): String = keys.state(policy, key)

    /** Closes the connection this store opened; a connection the caller passed in stays open. */
    override fun close() {
        onClose()
    }

    override fun toString(): String = "RedisBucketStore($options)"

    private suspend fun run(key: String, policy: LimitPolicy, permits: Long, commit: Boolean, nowMicros: Long): List<Any?> {
        val args = arrayOf(
            permits.toString(),
            if (commit) "1" else "0",
            if (options.timeSource == RedisStoreOptions.TimeSource.CLIENT) nowMicros.toString() else "",
            slackMicros.toString(),
            usageMillis,
        ) + LimiterScripts.parameters(policy)
        return runner.run(LimiterScripts.of(policy.algorithm), keys.all(policy, key), args)
    }

    private fun checkPermits(permits: Long, policy: LimitPolicy) {
        require(permits in 0..policy.capacity) {
            "permits must be between 0 and the policy's capacity ${policy.capacity}, was $permits"
        }
    }

    private fun List<Any?>.long(index: Int): Long = (this[index] as Number).toLong()

    public companion object {
        /**
         * Connects to Redis at [uri] and returns a store that closes the connection when closed.
         *
         * [uri] is a Lettuce URI: `redis://host:6379`, `rediss://…` (TLS),
         * `redis-sentinel://host:26379,host2:26379/0#mymaster` (Sentinel), or, for Redis
         * Cluster, `redis-cluster://host1:7000,host2:7001` (any reachable nodes as seeds).
         *
         * @throws IllegalArgumentException when [uri] is not a Redis URI.
         * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached.
         */
        @JvmStatic
        @JvmOverloads
        public fun connect(uri: String, options: RedisStoreOptions = RedisStoreOptions()): RedisBucketStore =
            RedisConnections.open(uri, options)

        /** Returns a store over the caller's standalone or Sentinel [connection], which stays open when the store closes. */
        @JvmStatic
        @JvmOverloads
        @OptIn(ExperimentalLettuceCoroutinesApi::class)
        public fun of(connection: StatefulRedisConnection<String, String>, options: RedisStoreOptions = RedisStoreOptions()): RedisBucketStore =
            RedisBucketStore(connection.coroutines(), options) {}

        /** Returns a store over the caller's cluster [connection], which stays open when the store closes. */
        @JvmStatic
        @JvmOverloads
        @OptIn(ExperimentalLettuceCoroutinesApi::class)
        public fun of(connection: StatefulRedisClusterConnection<String, String>, options: RedisStoreOptions = RedisStoreOptions()): RedisBucketStore =
            RedisBucketStore(connection.coroutines(), options) {}

        /** Returns a store on a new connection of the caller's [client]; closing the store closes the connection, not the client. */
        @JvmStatic
        @JvmOverloads
        public fun of(client: RedisClient, options: RedisStoreOptions = RedisStoreOptions()): RedisBucketStore =
            RedisConnections.open(client, options)

        /** Returns a store on a new connection of the caller's cluster [client]; closing the store closes the connection, not the client. */
        @JvmStatic
        @JvmOverloads
        public fun of(client: RedisClusterClient, options: RedisStoreOptions = RedisStoreOptions()): RedisBucketStore =
            RedisConnections.open(client, options)
    }
}
