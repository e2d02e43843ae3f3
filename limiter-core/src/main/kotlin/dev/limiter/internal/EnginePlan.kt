package dev.limiter.internal

import dev.limiter.BucketRequest
import dev.limiter.Caller
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
    fun addLevels(
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

    /** Returns [endpoint] as configs spell endpoints (`GET /path`), or `null`. */
    fun normalize(endpoint: String?): String? = endpoint?.let(Endpoints::normalize)

    internal class PlannedLevel(val per: LimitLevel.Per, val policy: LimitPolicy)

    companion object {
        const val GLOBAL = "global"

        /** The one bucket of the ceiling. */
        const val GLOBAL_BUCKET = "limiter:global-ceiling"
    }
}
