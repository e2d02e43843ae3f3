package dev.limiter.redis.internal

import dev.limiter.BucketSnapshot
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.redis.RedisStoreOptions
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands
import kotlinx.coroutines.flow.toList

/**
 * The Redis store's decisions without fault tolerance: one script per decision; denials are
 * remembered in the deny cache, which `dev.limiter.redis.RedisBucketStore` consults first.
 * Redis errors propagate.
 */
internal class RedisScriptStore(
    commands: RedisClusterCoroutinesCommands<String, String>,
    val options: RedisStoreOptions,
) : BucketStore {
    private val runner = ScriptRunner(commands)
    private val redis = commands
    private val keys = RedisKeys(options.keyPrefix)
    private val denyCache = DenyCache(options.denyCacheSize)
    private val slackMicros = (options.ttlSlack.toNanos() / 1_000).toString()
    private val usageMillis = options.usageRetention.toMillis().toString()
    private val usageOn = options.usageRetention.toMillis() > 0
    private val clientTime = options.timeSource == RedisStoreOptions.TimeSource.CLIENT
    private val parametersByPolicy = java.util.concurrent.ConcurrentHashMap<LimitPolicy, Array<String>>()

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision {
        checkPermits(permits, policy)
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

    /**
     * Returns this node's cached denial of [permits] for [key], or `null` to ask Redis. Looked
     * up in front of fault tolerance, so that a cached answer never passes for Redis answering.
     */
    fun cachedDenial(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? =
        denyCache.lookup(key, policy, permits, nowMicros)

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
    suspend fun usage(key: String, policy: LimitPolicy): KeyUsage {
        val values = redis.hmget(keys.all(policy, key)[1], "a", "r", "p").toList()
        fun field(name: String): Long = values.firstOrNull { it.key == name }?.getValueOrElse("0")?.toLong() ?: 0
        return KeyUsage(key, field("a"), field("r"), field("p"))
    }

    /** Keys this node answers from its deny cache right now. */
    val denyCacheSize: Int get() = denyCache.size

    /** The Redis key holding [key]'s bucket under [policy]. */
    fun stateKey(key: String, policy: LimitPolicy): String = keys.state(policy, key)

    override fun toString(): String = "RedisBucketStore($options)"

    private suspend fun run(key: String, policy: LimitPolicy, permits: Long, commit: Boolean, nowMicros: Long): List<Any?> {
        val parameters = parametersByPolicy.getOrPut(policy) { LimiterScripts.parameters(policy) }
        val args = arrayOfNulls<String>(FIXED_ARGS + parameters.size)
        args[0] = permits.toString()
        args[1] = if (commit) "1" else "0"
        args[2] = if (clientTime) nowMicros.toString() else ""
        args[3] = slackMicros
        args[4] = usageMillis
        parameters.copyInto(args, FIXED_ARGS)
        @Suppress("UNCHECKED_CAST")
        return runner.run(LimiterScripts.of(policy.algorithm), keysFor(policy, key), args as Array<String>)
    }

    /** Only the keys the script will touch: the usage and sum keys when they are in use. */
    private fun keysFor(policy: LimitPolicy, key: String): Array<String> {
        val all = keys.all(policy, key)
        return when {
            policy.algorithm == LimitPolicy.Algorithm.SLIDING_WINDOW_LOG || usageOn -> all
            else -> arrayOf(all[0])
        }
    }

    private fun checkPermits(permits: Long, policy: LimitPolicy) {
        require(permits in 0..policy.capacity) {
            "permits must be between 0 and the policy's capacity ${policy.capacity}, was $permits"
        }
    }

    private companion object {
        /** ARGV 1 to 5 of every script; the algorithm's parameters follow (see common.lua). */
        const val FIXED_ARGS = 5
    }

    private fun List<Any?>.long(index: Int): Long = (this[index] as Number).toLong()

}
