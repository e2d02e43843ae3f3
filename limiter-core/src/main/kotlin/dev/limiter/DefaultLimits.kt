@file:JvmName("DefaultLimitsPolicies")

package dev.limiter

import dev.limiter.config.internal.DurationText

/**
 * Limits calls to an interface method to [calls] per [period], enforced by a proxy from
 * [RateLimitedProxy.create] (or [rateLimited] in Kotlin); a call over the limit throws
 * [RateLimitExceededException] without reaching the target.
 *
 * On an interface, the annotation sets the limit of every method that has none of its own;
 * a method without the annotation, on an interface without it, is not limited. Suspend
 * methods are limited too. Each method has its own bucket, a token bucket of [calls] tokens
 * refilled at [calls] per [period] (see [policy]).
 */
@MustBeDocumented
@Retention(AnnotationRetention.RUNTIME)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.CLASS)
public annotation class DefaultLimits(
    /** Calls allowed per [period]; at least 1. */
    val calls: Long,
    /** The period, as a whole number and a unit: `500ms`, `30s`, `1m`, `1h`, `1d`. */
    val period: String,
)

/**
 * Returns the policy [DefaultLimits] stands for: a token bucket holding [calls] tokens,
 * refilled at [calls] per [period], so at most [calls] at once and [calls] per [period] on
 * average.
 *
 * @throws IllegalArgumentException naming the field when [calls] is below 1 or [period] is
 * not a duration such as `1h`.
 */
public fun defaultLimitsPolicy(calls: Long, period: String): LimitPolicy {
    require(calls >= 1) { "@DefaultLimits calls must be at least 1, was $calls" }
    val duration = try {
        DurationText.parse(period)
    } catch (e: IllegalArgumentException) {
        throw IllegalArgumentException("@DefaultLimits period: ${e.message}", e)
    }
    return LimitPolicy.tokenBucket(calls, Rate.of(calls, duration))
}

/** Returns the policy this annotation stands for; see [defaultLimitsPolicy]. */
public fun DefaultLimits.policy(): LimitPolicy = defaultLimitsPolicy(calls, period)
