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

    /** Permits left after the decision, exact, possibly fractional. */
    @JvmField var tokens: Double = 0.0

    /** Decides [permits] at [now]; takes them when [commit] and they fit. */
    abstract fun evaluate(now: Long, permits: Long, commit: Boolean)

    /** Epoch microsecond from which this bucket behaves exactly like a new one, so it may be dropped. */
    abstract fun idleAt(): Long

    fun consume(now: Long, permits: Long, key: String): Decision {
        evaluate(now, permits, commit = true)
        return Decision.fromMicros(
            allowed, remaining, policy.capacity, retryAfter, resetAfter, key,
            if (allowed) null else DenyReason.LIMITED,
        )
    }

    fun inspect(now: Long, permits: Long): BucketSnapshot {
        evaluate(now, permits, commit = false)
        return BucketSnapshot(tokens, remaining, policy.capacity, retryAfter, resetAfter)
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

/** Ceiling of `a / b` for `a >= 0`, `b > 0`. */
internal fun ceilDiv(a: Long, b: Long): Long = -Math.floorDiv(-a, b)
