package dev.limiter.internal

import dev.limiter.BucketRequest
import dev.limiter.Caller
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.config.LimitLevel
import dev.limiter.config.LimitsConfig
import dev.limiter.config.internal.Endpoints

/**
 * Everything `RateLimits` needs from a config, worked out once when the config is put in
 * force: the ceiling, the levels by endpoint, the lists. A request then only looks things up.
 */
internal class EnginePlan(val config: LimitsConfig) {
    /** The ceiling, named `global` so headers, metrics and logs can name it. */
    val global: LimitPolicy? = config.global?.let { if (it.name == null) it.named(GLOBAL) else it }

    /** Levels that apply to every endpoint, in config order. */
    private val everywhere: List<PlannedLevel> = config.levels.filter { it.endpoint == null }.map(::planned)

    /** Levels of one endpoint, by the endpoint as configured (`GET /search` or `/search`). */
    private val byEndpoint: Map<String, List<PlannedLevel>> =
        config.levels.filter { it.endpoint != null }.groupBy({ it.endpoint!! }, ::planned)

    /** Whether any level depends on the request's endpoint or address at all. */
    val hasLevels: Boolean = config.levels.isNotEmpty()

    private fun planned(level: LimitLevel) = PlannedLevel(level.per, config.policies.getValue(level.policy))

    /** Returns the policy a request falls under when nothing overrides it. */
    fun ownPolicy(key: String?, endpointPolicy: String?): LimitPolicy =
        config.policies.getValue(endpointPolicy ?: key?.let(config::policyNameFor) ?: config.defaultPolicy)

    /**
     * Adds the levels that apply to a request by [caller] to the normalized [endpoint] from
     * [address] to [into], each asking [permits]; a level missing what it needs is skipped.
     */
    private fun addLevels(
        into: MutableList<BucketRequest>,
        caller: Caller,
        endpoint: String?,
        address: String?,
        permits: Long,
        scale: (LimitPolicy) -> LimitPolicy,
    ) {
        for (level in everywhere) add(into, level, caller, endpoint, address, permits, scale)
        if (endpoint == null || byEndpoint.isEmpty()) return
        byEndpoint[endpoint]?.forEach { add(into, it, caller, endpoint, address, permits, scale) }
        val space = endpoint.indexOf(' ')
        if (space > 0) byEndpoint[endpoint.substring(space + 1)]?.forEach { add(into, it, caller, endpoint, address, permits, scale) }
    }

    private fun add(
        into: MutableList<BucketRequest>,
        level: PlannedLevel,
        caller: Caller,
        endpoint: String?,
        address: String?,
        permits: Long,
        scale: (LimitPolicy) -> LimitPolicy,
    ) {
        val bucket = when (level.per) {
            LimitLevel.Per.IP -> address ?: return
            LimitLevel.Per.ENDPOINT -> endpoint ?: return
            // Length-prefixed, so that no pair of parts reads as another pair.
            LimitLevel.Per.KEY_ENDPOINT -> "${caller.bucketKey.length}:${caller.bucketKey} ${endpoint ?: return}"
            LimitLevel.Per.KEY_IP -> "${caller.bucketKey.length}:${caller.bucketKey} ${address ?: return}"
        }
        into += BucketRequest(bucket, scale(level.policy), permits)
    }

    /**
     * Resolves a request to its levels, or to the decision the lists make without the store:
     * the own level (a policy given by the caller, the endpoint's, the caller's tier, or the
     * default), the levels that apply and the ceiling, each scaled by [scale] (adaptive limits).
     */
    fun prepare(
        caller: Caller,
        endpoint: String?,
        address: String?,
        permits: Long?,
        policy: LimitPolicy?,
        scale: (LimitPolicy) -> LimitPolicy,
    ): PreparedCheck {
        require(permits == null || permits >= 1) { "permits must be at least 1, was $permits" }
        val normalized = normalize(endpoint)
        val limit = normalized?.let { config.endpointLimit(it) }
        val unscaled = policy ?: ownPolicy(caller.key, limit?.policy)
        val own = scale(unscaled)
        val n = permits ?: limit?.cost ?: 1L
        if (config.denied.matches(caller.key, address)) {
            val denied = Decision(false, 0, 0, 0, 0, caller.bucketKey, DenyReason.DENYLISTED, LevelOutcome.nameOf(own))
            return PreparedCheck(caller, own, n, emptyList(), denied)
        }
        if (config.allowed.matches(caller.key, address)) {
            return PreparedCheck(caller, own, n, emptyList(), Decision.allowed(caller.bucketKey, Long.MAX_VALUE, Long.MAX_VALUE))
        }
        val requests = ArrayList<BucketRequest>(if (hasLevels) 4 else 2)
        requests += BucketRequest(caller.bucketKey, own, n)
        if (hasLevels) addLevels(requests, caller, normalized, address, n, scale)
        global?.let { requests += BucketRequest(GLOBAL_BUCKET, scale(it), n) }
        for (r in requests) {
            require(r.permits <= r.policy.capacity) {
                "permits ${r.permits} exceed the capacity ${r.policy.capacity} of policy '${LevelOutcome.nameOf(r.policy)}', so the " +
                    "request could never be granted; ask for at most ${r.policy.capacity} permits or raise the policy's capacity"
            }
        }
        return PreparedCheck(caller, own, n, requests, null, unscaled)
    }

    /** Returns [endpoint] as configs spell endpoints (`GET /path`), or `null`. */
    fun normalize(endpoint: String?): String? = endpoint?.let(Endpoints::normalize)

    internal class PlannedLevel(val per: LimitLevel.Per, val policy: LimitPolicy)

    companion object {
        const val GLOBAL = "global"

        /** The one bucket of the ceiling. */
        const val GLOBAL_BUCKET = "limiter:global-ceiling"
    }
}
