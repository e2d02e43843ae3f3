package dev.limiter.redis.internal

import dev.limiter.BucketRequest
import dev.limiter.BucketSnapshot
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.redis.RedisStoreOptions
import io.lettuce.core.cluster.SlotHash
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands
import kotlinx.coroutines.flow.toList

/**
 * The Redis store's decisions without fault tolerance: one script per decision, one for every
 * level of a request (one per slot on a Cluster, see [SlotGroups]); denials are remembered in
 * the deny cache, which `dev.limiter.redis.RedisBucketStore` consults first. Redis errors
 * propagate.
 */
internal class RedisScriptStore(
    commands: RedisClusterCoroutinesCommands<String, String>,
    val options: RedisStoreOptions,
    /** Whether [commands] reach a Redis Cluster, where a script touches one slot only. */
    private val cluster: Boolean = false,
) : BucketStore {
    private val runner = ScriptRunner(commands)
    private val redis = commands
    private val keys = RedisKeys(options.keyPrefix)
    private val denyCache = DenyCache(options.denyCacheSize)
    private val slackMicros = (options.ttlSlack.toNanos() / 1_000).toString()
    private val usageMillis = options.usageRetention.toMillis().toString()
    private val usageOn = options.usageRetention.toMillis() > 0
    private val clientTime = options.timeSource == RedisStoreOptions.TimeSource.CLIENT
    private val levelSpecs = java.util.concurrent.ConcurrentHashMap<Pair<LimitPolicy, String?>, String>()
    private val batcher = newBatcher()
    private val batchers = java.util.concurrent.ConcurrentHashMap<Int, DecisionBatcher>()

    private fun newBatcher() = DecisionBatcher(MAX_IN_FLIGHT, MAX_BATCH, clientTime, ::encode) { parts, batch, now ->
        runEncoded(parts, MODE_TAKE, batch, now)
    }

    private fun slotOf(r: BucketRequest): Int = SlotHash.getSlot(keys.state(r.policy, r.key))

    /** On a Cluster, requests of one slot are batched together: a script touches one slot. */
    private fun batcherOfSlot(r: BucketRequest): DecisionBatcher = batchers.getOrPut(slotOf(r)) { newBatcher() }

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision =
        tryConsumeAll(listOf(BucketRequest(key, policy, permits)), nowMicros)[0]

    /**
     * Charges every level of [requests] or none, in one script on standalone and Sentinel.
     * On a Cluster, one script per slot the levels' keys fall in, and a refund of what
     * earlier slots charged when a later one refuses (see [SlotGroups]).
     */
    override suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> {
        for (r in requests) checkPermits(r.permits, r.policy)
        val shared = requests.size > 1 && checkShared(requests)
        val reply = when {
            !cluster -> batcher.take(requests, nowMicros)
            requests.size == 1 -> batcherOfSlot(requests[0]).take(requests, nowMicros)
            else -> {
                val slot = slotOf(requests[0])
                if (requests.all { slotOf(it) == slot }) batcherOfSlot(requests[0]).take(requests, nowMicros)
                else SlotGroups(requests, ::stateKey).decide(this, nowMicros)
            }
        }
        val decisions = decisions(requests, reply)
        for ((i, decision) in decisions.withIndex()) {
            // A level asked together with another level of the same bucket was decided on the
            // sum of both; its denial says nothing about its own permits alone.
            if (!decision.allowed && !shared) {
                val r = requests[i]
                denyCache.remember(r.policy, r.permits, nowMicros, decision, reply.long(i, 2), reply.long(i, 3))
            }
        }
        return decisions
    }

    /**
     * Returns this node's cached denial of [permits] for [key], or `null` to ask Redis. Looked
     * up in front of fault tolerance, so that a cached answer never passes for Redis answering.
     */
    fun cachedDenial(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? =
        denyCache.lookup(key, policy, permits, nowMicros)

    /**
     * Returns decisions for [requests] when this node has a cached denial for one of their
     * levels, or `null` to ask Redis. Safe for the same reason as a single level's (see
     * [DenyCache]): that level cannot grant its permits before its `retryAfter`, so the
     * request as a whole is refused and nothing may be charged anywhere. The other levels,
     * unasked, report themselves allowed with their limit as what remains: their real state
     * is unknown without a round trip, and they did not refuse.
     */
    fun cachedDenial(requests: List<BucketRequest>, nowMicros: Long): List<Decision>? {
        var denial: Decision? = null
        var at = -1
        for ((i, r) in requests.withIndex()) {
            denial = denyCache.lookup(r.key, r.policy, r.permits, nowMicros) ?: continue
            at = i
            break
        }
        if (denial == null) return null
        return requests.mapIndexed { i, r ->
            if (i == at) denial else Decision.fromMicros(true, r.policy.capacity, r.policy.capacity, 0, 0, r.key, null)
        }
    }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot {
        checkPermits(permits, policy)
        val reply = run(listOf(BucketRequest(key, policy, permits)), MODE_INSPECT, "", nowMicros)
        fun field(f: Int): Long = (reply[1 + f] as Number).toLong()
        return BucketSnapshot(
            tokens = field(4).toDouble() / field(5),
            remaining = field(1),
            limit = policy.capacity,
            retryAfterMicros = field(2),
            resetAfterMicros = field(3),
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

    /**
     * Runs the script over [requests] in [mode] (`take`, `inspect` or `refund` of a take made
     * at [fifth], which for a take describes a batch, see `limiter.lua`) and returns its
     * reply: the time it ran at, then per level [TAKE_FIELDS] numbers ([INSPECT_FIELDS] for an
     * inspection; repeated per request, for a batch).
     */
    suspend fun run(requests: List<BucketRequest>, mode: String, fifth: String, nowMicros: Long): List<Any?> =
        runEncoded(listOf(encode(requests)), mode, fifth, nowMicros)

    /** Runs the script over the levels of [parts], as [run] does over requests. */
    suspend fun runEncoded(parts: List<EncodedLevels>, mode: String, fifth: String, nowMicros: Long): List<Any?> {
        var algorithms = 0
        var argCount = FIXED_ARGS
        var keyCount = 0
        for (p in parts) {
            algorithms = algorithms or p.algorithms
            argCount += p.args.size
            keyCount += p.keys.size
        }
        val args = arrayOfNulls<String>(argCount)
        args[0] = if (clientTime) nowMicros.toString() else ""
        args[1] = slackMicros
        args[2] = usageMillis
        args[3] = mode
        args[4] = fifth
        val scriptKeys = arrayOfNulls<String>(keyCount)
        var a = FIXED_ARGS
        var k = 0
        for (p in parts) {
            p.args.copyInto(args, a)
            a += p.args.size
            p.keys.copyInto(scriptKeys, k)
            k += p.keys.size
        }
        @Suppress("UNCHECKED_CAST")
        return runner.run(LimiterScripts.forAlgorithms(algorithms), scriptKeys as Array<String>, args as Array<String>)
    }

    /**
     * The keys and ARGV of [requests]' levels; done by the caller's thread, so that a batch
     * only concatenates them on the thread that sends it.
     */
    fun encode(requests: List<BucketRequest>): EncodedLevels {
        val args = ArrayList<String>(LimiterScripts.LEVEL_ARGS * requests.size)
        val scriptKeys = ArrayList<String>(requests.size)
        var algorithms = 0
        for (r in requests) {
            algorithms = algorithms or (1 shl r.policy.algorithm.ordinal)
            args += levelSpecs.getOrPut(r.policy to r.policy.name) { LimiterScripts.level(r.policy) }
            args += r.permits.toString()
            val state = keys.state(r.policy, r.key)
            scriptKeys += state
            if (usageOn) scriptKeys += "$state:u"
            if (r.policy.algorithm == LimitPolicy.Algorithm.SLIDING_WINDOW_LOG) scriptKeys += "$state:n"
        }
        return EncodedLevels(requests.size, algorithms, scriptKeys.toTypedArray(), args.toTypedArray())
    }

    private fun decisions(requests: List<BucketRequest>, reply: List<Any?>): List<Decision> =
        requests.mapIndexed { i, r ->
            val allowed = reply.long(i, 0) == 1L
            Decision.fromMicros(
                allowed, reply.long(i, 1), r.policy.capacity, reply.long(i, 2), reply.long(i, 3), r.key,
                if (allowed) null else DenyReason.LIMITED,
            )
        }

    /**
     * Returns whether two levels name the same bucket; such levels are asked for their
     * permits together, which must fit in the bucket's capacity.
     */
    private fun checkShared(requests: List<BucketRequest>): Boolean {
        val sums = HashMap<String, Long>()
        for (r in requests) {
            val sum = sums.merge(keys.state(r.policy, r.key), r.permits, Long::plus)!!
            require(sum <= r.policy.capacity) {
                "levels asking key '${r.key}' under ${r.policy} for $sum permits together exceed its capacity " +
                    "${r.policy.capacity}; such a request can never be granted: lower the costs or use distinct policies"
            }
        }
        return sums.size < requests.size
    }

    private fun checkPermits(permits: Long, policy: LimitPolicy) {
        require(permits in 0..policy.capacity) {
            "permits must be between 0 and the policy's capacity ${policy.capacity}, was $permits"
        }
    }

    internal companion object {
        /** ARGV 1 to 5 of the script; the levels follow (see common.lua). */
        const val FIXED_ARGS = 5
        const val MODE_TAKE = "take"
        const val MODE_INSPECT = "inspect"
        const val MODE_REFUND = "refund"

        /** Script calls on their way at once before requests queue for a batch. */
        const val MAX_IN_FLIGHT = 2

        /** The most requests one batched call carries. */
        const val MAX_BATCH = 128

        /** Numbers per level in a take's reply: allowed, remaining, retryAfter, resetAfter. */
        const val TAKE_FIELDS = 4

        /** Numbers per level in an inspection's reply: a take's, then the exact tokens as a fraction. */
        const val INSPECT_FIELDS = 6

        /** Field [field] (0 to 3) of level [level] in a take's reply. */
        fun List<Any?>.long(level: Int, field: Int): Long =
            (this[1 + level * TAKE_FIELDS + field] as Number).toLong()
    }
}

/** The keys and ARGV of the levels of one request (or several), ready to join a script call. */
internal class EncodedLevels(val levels: Int, val algorithms: Int, val keys: Array<String>, val args: Array<String>)
