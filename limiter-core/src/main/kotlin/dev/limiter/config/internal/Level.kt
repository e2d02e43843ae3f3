package dev.limiter.config.internal

import dev.limiter.LimitPolicy
import dev.limiter.config.LimitsConfig

/**
 * One limit a request must pass: [permits] from [policy], in the bucket named [bucket] (or
 * the caller's own key when [bucket] is `null`).
 */
internal class Level(val policy: LimitPolicy, private val bucket: String?, val permits: Long) {
    fun bucketKey(key: String): String = bucket ?: key

    fun requireGrantable() {
        require(permits <= policy.capacity) {
            "permits $permits exceed the capacity ${policy.capacity} of policy '${policy.name}', so the request " +
                "could never be granted; ask for at most ${policy.capacity} permits or raise the policy's capacity"
        }
    }

    companion object {
        fun policyNameFor(config: LimitsConfig, key: String, endpoint: String?): String =
            endpoint?.let { config.endpointLimit(it)?.policy } ?: config.policyNameFor(key)

        /** The level a request by [key] to [endpoint] draws from, charged [permits] or the endpoint's cost. */
        fun forRequest(config: LimitsConfig, key: String, endpoint: String?, permits: Long?): Level {
            require(permits == null || permits >= 1) { "permits must be at least 1, was $permits" }
            val limit = endpoint?.let { config.endpointLimit(it) }
            val name = limit?.policy ?: config.policyNameFor(key)
            val level = Level(config.policies.getValue(name), null, permits ?: limit?.cost ?: 1)
            level.requireGrantable()
            return level
        }
    }
}
