package dev.limiter.ktor.internal

import dev.limiter.LimitPolicy
import dev.limiter.ktor.QueueMode
import io.ktor.util.AttributeKey

/**
 * The limit settings of a route subtree; `null` fields are inherited from enclosing routes.
 */
internal data class RouteLimit(
    val policyName: String? = null,
    val policy: LimitPolicy? = null,
    val cost: Long? = null,
    val unlimited: Boolean? = null,
    val queue: QueueMode? = null,
) {
    /** Fills this (inner) setting's gaps from [outer]; a policy set here hides the outer one's. */
    fun orElse(outer: RouteLimit): RouteLimit {
        val hasPolicy = policyName != null || policy != null
        return RouteLimit(
            policyName = if (hasPolicy) policyName else outer.policyName,
            policy = if (hasPolicy) policy else outer.policy,
            cost = cost ?: outer.cost,
            unlimited = unlimited ?: outer.unlimited,
            queue = queue ?: outer.queue,
        )
    }

    companion object {
        val Key: AttributeKey<RouteLimit> = AttributeKey("dev.limiter.ktor.RouteLimit")
    }
}
