package dev.limiter.redis

import dev.limiter.BackendState
import dev.limiter.BackendStateSource
import dev.limiter.BucketRequest
import dev.limiter.BucketSnapshot
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.FaultTolerantBucketStore
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.Rate
import dev.limiter.redis.internal.RedisConnections
import dev.limiter.redis.internal.RedisScriptStore
import dev.limiter.redis.internal.RedisUsageStore // cfgstore
import dev.limiter.SharedUsageStore // cfgstore
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection // cfgstore
import io.lettuce.core.ExperimentalLettuceCoroutinesApi
import io.lettuce.core.RedisClient
import io.lettuce.core.api.StatefulRedisConnection
import io.lettuce.core.api.coroutines
import io.lettuce.core.cluster.RedisClusterClient
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection
import io.lettuce.core.cluster.api.coroutines
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Keeps buckets in Redis, so that every node of a service shares one quota: one `EVALSHA`
 * per decision, running the Lua twins of the levels' algorithms ([tryConsumeAll]).
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
 * [tryConsumeNow] returns `null` (a remote store cannot answer without suspending), except
 * for denials this node remembers and while fault tolerance keeps requests off Redis.
 * Redis errors propagate until [enableFaultTolerance] is called; from then on the store's
 * own methods keep deciding while Redis is slow or gone.
 * Thread-safe; create one per application and share it between limiters.
 */
public class RedisBucketStore internal constructor(
    internal val commands: RedisClusterCoroutinesCommands<String, String>, // cfgstore: read by RedisConfigStore
    /** The settings this store runs with. */
    public val options: RedisStoreOptions,
    /** Opens a pub/sub connection to the same Redis; `null` over a caller's connection. cfgstore: for RedisConfigStore. */
    internal val openPubSub: (() -> StatefulRedisPubSubConnection<String, String>)? = null,
    cluster: Boolean = false,
    private val onClose: () -> Unit,
) : BucketStore, BackendStateSource, SharedUsageStore by RedisUsageStore(commands, options.keyPrefix) { // cfgstore: cluster-wide usage
    private val direct = RedisScriptStore(commands, options, cluster)

    @Volatile
    private var tolerant: FaultTolerantBucketStore? = null

    /** Where decisions come from right now: always [BackendState.PRIMARY] without fault tolerance. */
    override val backendState: BackendState get() = tolerant?.state ?: BackendState.PRIMARY

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision =
        direct.cachedDenial(key, policy, permits, nowMicros) ?: (tolerant ?: direct).tryConsume(key, policy, permits, nowMicros)

    /**
     * Takes every level of [requests] or none of them, in one `EVALSHA` on standalone Redis
     * and Sentinel: the script decides every level on the state as it stands, then charges
     * all of them or writes nothing.
     *
     * On a Redis Cluster, levels whose keys fall in different slots cannot share a script:
     * one script runs per slot, the slot of the last request last (list a shared ceiling
     * such as `global` last, so that it never admits more than its limit and is never
     * charged for a request another level refused), and when a slot refuses, the slots
     * charged before it get their permits back. docs/redis.md says exactly what such a
     * refund can and cannot guarantee.
     *
     * A level this node remembers as denied (deny cache) answers the whole request without
     * a round trip; the other levels then report themselves allowed with their full limit.
     */
    override suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> =
        direct.cachedDenial(requests, nowMicros) ?: (tolerant ?: direct).tryConsumeAll(requests, nowMicros)

    /**
     * Answers a request this node knows to be denied (deny cache) or, during an outage with
     * fault tolerance on, from the fallback; `null` otherwise (Redis needs a round trip).
     */
    override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? =
        direct.cachedDenial(key, policy, permits, nowMicros) ?: tolerant?.tryConsumeNow(key, policy, permits, nowMicros)

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot =
        (tolerant ?: direct).inspect(key, policy, permits, nowMicros)

    override suspend fun reset(key: String, policy: LimitPolicy) {
        (tolerant ?: direct).reset(key, policy)
    }

    /**
     * Makes this store keep deciding while Redis is slow or gone, as [mode] says, and returns
     * the fault-tolerant view now behind this store's own methods (for its [BackendState],
     * listeners and metrics). Replaces an earlier call's settings and circuit.
     *
     * [FaultToleranceMode.LOCAL] decides from local buckets with the same policies,
     * [FaultToleranceMode.FAIL_OPEN] allows and [FaultToleranceMode.FAIL_CLOSED] denies
     * everything while the circuit is open; [FaultToleranceMode.NONE] turns Redis errors and
     * timeouts into [dev.limiter.BackendUnavailableException]. See [FaultTolerantBucketStore].
     */
    @JvmOverloads
    public fun enableFaultTolerance(
        mode: FaultToleranceMode,
        settings: FaultToleranceSettings = FaultToleranceSettings(),
        clock: LimiterClock = LimiterClock.SYSTEM,
    ): FaultTolerantBucketStore {
        warmUp(clock)
        return FaultTolerantBucketStore(direct, mode, settings, clock).also { tolerant = it }
    }

    /**
     * Runs every script once (read-only) before a command timeout applies: on a cold JVM the
     * first round trips load classes and scripts, and three of them timing out at 50 ms would
     * open the circuit before Redis ever had a fair chance. Errors are left to the circuit.
     */
    private fun warmUp(clock: LimiterClock) {
        runBlocking {
            withTimeoutOrNull(WARM_UP_MILLIS) {
                for (algorithm in LimitPolicy.Algorithm.entries) {
                    val policy = LimitPolicy.of(algorithm, 1, Rate.perSecond(1))
                    runCatching { direct.inspect(WARM_UP_KEY, policy, 1, Math.floorDiv(clock.nowNanos(), 1_000L)) }
                }
            }
        }
    }

    /**
     * Returns the cluster-wide counts of [key] under [policy], summed over every node, since
     * the key's counters were created; zero counts when [RedisStoreOptions.usageRetention] is
     * zero or the key has had no request within it. Requests answered by this node's deny
     * cache or by a fallback are not counted. Redis errors propagate.
     */
    @JvmSynthetic
    public suspend fun usage(key: String, policy: LimitPolicy): KeyUsage = direct.usage(key, policy)

    /** [usage] for Java callers: completes with [key]'s counts under [policy]. */
    public fun usageAsync(key: String, policy: LimitPolicy): java.util.concurrent.CompletableFuture<KeyUsage> =
        kotlinx.coroutines.CoroutineScope(kotlinx.coroutines.Dispatchers.Unconfined).future { direct.usage(key, policy) }

    /** Keys this node answers from its deny cache right now. */
    internal val denyCacheSize: Int get() = direct.denyCacheSize

    /** The Redis key holding [key]'s bucket under [policy]. */
    internal fun stateKey(key: String, policy: LimitPolicy): String = direct.stateKey(key, policy)

    /** Closes the connection this store opened; a connection the caller passed in stays open. */
    override fun close() {
        onClose()
    }

    override fun toString(): String = "RedisBucketStore($options)"

    public companion object {
        private const val WARM_UP_MILLIS = 2_000L
        private const val WARM_UP_KEY = "limiter-warm-up"

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
            RedisBucketStore(connection.coroutines(), options, cluster = true) {}

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
