package dev.limiter.internal

import dev.limiter.BucketSnapshot
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm

/**
 * One key's state under one policy, and the algorithm's decision function over it.
 *
 * Every algorithm is integer arithmetic over epoch microseconds, with every intermediate
 * value below 2^53 so that its Lua twin (Redis, where numbers are doubles) computes the same
 * bits. A bucket is not thread-safe: the store guards it with the key's lock.
 *
 * [evaluate] is the whole algorithm: it brings the state to [now], decides whether `permits`
 * fit, takes them when asked to, and leaves the answer in the scratch fields below for the
 * caller to read before it releases the lock. Bringing the state forward in time (refilling,
 * rolling a window, dropping expired log entries) never changes a later decision, so
 * inspecting a bucket may do it too.
 */
internal abstract class Bucket(val policy: LimitPolicy) {
    /** Whether the permits fit. */
    @JvmField var allowed: Boolean = false

    /** Whole permits left after the decision. */
    @JvmField var remaining: Long = 0

    /** Microseconds until the permits would fit; 0 when [allowed]. */
    @JvmField var retryAfter: Long = 0

    /** Microseconds until the bucket is full (or the window empty) again. */
    @JvmField var resetAfter: Long = 0

    /** Permits left after the decision, exact, possibly fractional (read through [exactTokens]). */
    @JvmField var tokens: Double = 0.0

    /** Permits left after the last [evaluate], exact; an algorithm may compute it only when asked. */
    open fun exactTokens(): Double = tokens

    /** Decides [permits] at [now]; takes them when [commit] and they fit. */
    abstract fun evaluate(now: Long, permits: Long, commit: Boolean)

    /** Epoch microsecond from which this bucket behaves exactly like a new one, so it may be dropped. */
    abstract fun idleAt(): Long

    /**
     * Returns a bucket of [policy] (same algorithm, other numbers) carrying this bucket's state
     * over at [now]: the permits available now stay available, clamped to the new capacity,
     * so a key never gains permits from a change of numbers and loses no more than the
     * change takes away (plus, at most, a fraction of one permit when fixed-point units do
     * not convert exactly). A named policy keeps its buckets when its numbers change.
     */
    abstract fun carriedTo(policy: LimitPolicy, now: Long): Bucket

    /** Returns this bucket under [policy], carried over when its numbers differ. */
    fun under(policy: LimitPolicy, now: Long): Bucket = if (this.policy.sameLimits(policy)) this else carriedTo(policy, now)

    fun consume(now: Long, permits: Long, key: String): Decision {
        evaluate(now, permits, commit = true)
        return Decision.fromMicros(
            allowed, remaining, policy.capacity, retryAfter, resetAfter, key,
            if (allowed) null else DenyReason.LIMITED,
        )
    }

    /** A decision of this bucket's policy from numbers read off [evaluate]'s scratch fields. */
    fun decision(allowed: Boolean, remaining: Long, retryAfter: Long, resetAfter: Long, key: String): Decision =
        Decision.fromMicros(
            allowed, remaining, policy.capacity, retryAfter, resetAfter, key,
            if (allowed) null else DenyReason.LIMITED,
        )

    /** Returns the decision [permits] would get at [now], taking nothing. */
    fun peek(now: Long, permits: Long, key: String): Decision {
        evaluate(now, permits, commit = false)
        return Decision.fromMicros(
            allowed, remaining, policy.capacity, retryAfter, resetAfter, key,
            if (allowed) null else DenyReason.LIMITED,
        )
    }

    fun inspect(now: Long, permits: Long): BucketSnapshot {
        evaluate(now, permits, commit = false)
        return BucketSnapshot(exactTokens(), remaining, policy.capacity, retryAfter, resetAfter)
    }

    companion object {
        /** Returns a full (or empty-window) bucket for [policy], created at [now]. */
        fun create(policy: LimitPolicy, now: Long): Bucket = when (policy.algorithm) {
            Algorithm.TOKEN_BUCKET -> TokenBucket(policy, now)
            Algorithm.LEAKY_BUCKET -> LeakyBucket(policy, now)
            Algorithm.FIXED_WINDOW -> FixedWindow(policy, now)
            Algorithm.SLIDING_WINDOW_LOG -> SlidingWindowLog(policy)
            Algorithm.SLIDING_WINDOW_COUNTER -> SlidingWindowCounter(policy, now)
            Algorithm.GCRA -> Gcra(policy, now)
        }
    }
}

/**
 * Converts [units] of `1 / fromUnit` permit to units of `1 / toUnit` permit, rounding down and
 * never beyond [capacity] permits. Exact when the product fits in 64 bits; otherwise the
 * fraction of a permit is dropped (a loss below one permit, never a gain).
 */
internal fun convertUnits(units: Long, fromUnit: Long, toUnit: Long, capacity: Long): Long {
    if (units <= 0) return 0
    val whole = units / fromUnit
    if (whole >= capacity) return capacity * toUnit
    if (fromUnit == toUnit) return units
    val rest = units % fromUnit
    val fraction = if (Math.multiplyHigh(rest, toUnit) == 0L && rest * toUnit >= 0) rest * toUnit / fromUnit else 0
    return whole * toUnit + fraction
}

/** Ceiling of `a / b` for `a >= 0`, `b > 0`. */
internal fun ceilDiv(a: Long, b: Long): Long = -Math.floorDiv(-a, b)
