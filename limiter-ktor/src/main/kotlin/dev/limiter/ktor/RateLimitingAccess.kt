@file:JvmName("RateLimitingAccess")

package dev.limiter.ktor

import dev.limiter.Decision
import dev.limiter.LimitPolicy
import dev.limiter.RateLimiter
import dev.limiter.config.LimitsConfig
import dev.limiter.ktor.internal.LevelHeader
import dev.limiter.ktor.internal.ceilSeconds
import dev.limiter.ktor.internal.rateLimitHeaders
import io.ktor.http.HttpHeaders
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.header

/**
 * Returns the limits the [RateLimiting] plugin enforces now; they change when the admin routes
 * replace them.
 *
 * @throws IllegalStateException when the plugin is not installed.
 */
public val Application.rateLimits: LimitsConfig get() = enforcer().config

/**
 * Returns the plugin's limiter for the configured policy [name]: the same buckets, store,
 * clock and metrics as the routes it limits.
 *
 * @throws IllegalArgumentException naming the configured policies when [name] is not one.
 */
public fun Application.rateLimiter(name: String): RateLimiter = enforcer().let { it.limiter(it.policy(name)) }

/**
 * Returns the plugin's limiter for [policy], keyed by its name (or its [LimitPolicy.id] when
 * unnamed), created on first use over the plugin's store, clock and metrics.
 */
public fun Application.rateLimiter(policy: LimitPolicy): RateLimiter = enforcer().limiter(policy)

/**
 * Adds the plugin's rate-limit headers (in its configured [HeaderStyle]) describing [decision]
 * under [policy], plus `Retry-After` in whole seconds, rounded up, when [decision] is denied.
 */
public fun ApplicationCall.appendRateLimitHeaders(policy: LimitPolicy, decision: Decision) {
    rateLimitHeaders(application.enforcer().headerStyle, LevelHeader.of(policy), decision)
    if (!decision.allowed) response.header(HttpHeaders.RetryAfter, ceilSeconds(decision.retryAfter).coerceAtLeast(1).toString())
}

/**
 * Returns the name of the tier (configured policy) this call's key follows: the policy its API
 * key or principal is assigned in the config's `keys`, else the default policy; the default
 * policy for calls identified by address or not at all. For queue priorities by tier:
 * `QueueMode(maxWait, priority = { call -> if (call.rateLimitTier() == "pro") 10 else 0 })`.
 */
public fun ApplicationCall.rateLimitTier(): String {
    val enforcer = application.enforcer()
    val config = enforcer.config
    return enforcer.identify(this)?.caller?.key?.let(config::policyNameFor) ?: config.defaultPolicy
}

/**
 * Returns the engine the [RateLimiting] plugin decides with: the same config, store, clock
 * and buckets as the routes it limits.
 *
 * @throws IllegalStateException when the plugin is not installed.
 */
public val Application.rateLimitEngine: dev.limiter.RateLimits get() = enforcer().engine
