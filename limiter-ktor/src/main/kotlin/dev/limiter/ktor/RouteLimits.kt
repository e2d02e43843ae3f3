@file:JvmName("RouteLimiting")

package dev.limiter.ktor

import dev.limiter.LimitPolicy
import dev.limiter.defaultLimitsPolicy
import dev.limiter.ktor.internal.RouteLimit
import io.ktor.server.routing.Route
import io.ktor.server.routing.RouteSelector
import io.ktor.server.routing.RouteSelectorEvaluation
import io.ktor.server.routing.RoutingNode
import io.ktor.server.routing.RoutingResolveContext

/**
 * Limits the routes built in [build] by the configured policy named [policy], each call costing
 * [cost] permits; returns the subtree's route.
 *
 * The nearest enclosing setting wins: a `rateLimited` inside another replaces its policy and
 * cost for its own subtree. [policy] must name a policy of the plugin's limits.
 */
public fun Route.rateLimited(policy: String, cost: Long = 1, build: Route.() -> Unit): Route {
    require(policy.isNotBlank()) { "policy must name a configured policy, was blank" }
    return limitedChild("rateLimited($policy, cost=$cost)", RouteLimit(policyName = policy, cost = checkedCost(cost), unlimited = false), build)
}

/**
 * Limits the routes built in [build] by [policy], a policy of their own with its own buckets,
 * each call costing [cost] permits; returns the subtree's route.
 */
public fun Route.rateLimited(policy: LimitPolicy, cost: Long = 1, build: Route.() -> Unit): Route {
    val named = if (policy.name != null) policy else policy.named("route:${policy.id}")
    return limitedChild("rateLimited($named, cost=$cost)", RouteLimit(policy = named, cost = checkedCost(cost), unlimited = false), build)
}

/**
 * Gives the routes built in [build] their own limit of [calls] per [period] (`500ms`, `30s`,
 * `1m`, `1h`, `1d`), with buckets of their own: a token bucket holding [calls] tokens refilled
 * at [calls] per [period], as `@DefaultLimits` does; returns the subtree's route.
 *
 * @throws IllegalArgumentException naming the field when [calls] is below 1 or [period] is not
 * a duration such as `1h`.
 */
public fun Route.defaultLimits(calls: Long, period: String, build: Route.() -> Unit): Route {
    val policy = defaultLimitsPolicy(calls, period).named("default-limits:$calls/$period")
    return limitedChild("defaultLimits($calls, $period)", RouteLimit(policy = policy, cost = 1, unlimited = false), build)
}

/** Exempts the routes built in [build] from every limit; returns the subtree's route. */
public fun Route.unlimited(build: Route.() -> Unit): Route =
    limitedChild("unlimited", RouteLimit(unlimited = true), build)

/**
 * Makes calls to the routes built in [build] wait for permits as [mode] says instead of being
 * answered 429 at once; returns the subtree's route.
 */
public fun Route.queued(mode: QueueMode, build: Route.() -> Unit): Route =
    limitedChild("queued(maxWait=${mode.maxWait})", RouteLimit(queue = mode), build)

private fun checkedCost(cost: Long): Long {
    require(cost >= 1) { "cost must be at least 1 permit, was $cost" }
    return cost
}

private fun Route.limitedChild(description: String, limit: RouteLimit, build: Route.() -> Unit): Route {
    val child = createChild(LimitSelector(description))
    child.attributes.put(RouteLimit.Key, limit)
    child.build()
    return child
}

/** A selector that matches everything: it only marks a subtree with its limit settings. */
private class LimitSelector(private val description: String) : RouteSelector() {
    override suspend fun evaluate(context: RoutingResolveContext, segmentIndex: Int): RouteSelectorEvaluation =
        RouteSelectorEvaluation.Transparent

    override fun toString(): String = "($description)"
}

/**
 * Each route's settings, worked out on the route's first call and kept: the route tree is
 * fixed once the application runs, so no call walks it again.
 */
internal class RouteLimitCache {
    private val byRoute = java.util.concurrent.ConcurrentHashMap<RoutingNode, RouteLimit>()

    fun of(route: RoutingNode): RouteLimit = byRoute[route] ?: route.effectiveLimit().also { byRoute.putIfAbsent(route, it) }
}

/** Returns the limit settings in force at this route: the nearest setting of each kind wins. */
internal fun RoutingNode.effectiveLimit(): RouteLimit {
    var result = RouteLimit()
    var node: RoutingNode? = this
    while (node != null) {
        node.attributes.getOrNull(RouteLimit.Key)?.let { result = result.orElse(it) }
        node = node.parent
    }
    return result
}
