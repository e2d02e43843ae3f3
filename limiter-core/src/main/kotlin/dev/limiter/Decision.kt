package dev.limiter

import java.time.Duration

/**
 * The answer to a request for permits, with everything an HTTP response needs.
 *
 * A value: two decisions with equal fields are equal. [retryAfter] is zero when [allowed];
 * [resetAfter] is the time until the bucket is full (or the window empty) again, zero when
 * it already is.
 */
public class Decision internal constructor(
    /** Whether the permits were granted; Java reads it as `isAllowed()`. */
    @get:JvmName("isAllowed")
    public val allowed: Boolean,
    /** Requests of cost 1 still allowed right now, after this decision. */
    public val remaining: Long,
    /** The most permits available at once under the policy (capacity or window limit). */
    public val limit: Long,
    @get:JvmSynthetic internal val retryAfterMicros: Long,
    @get:JvmSynthetic internal val resetAfterMicros: Long,
    /** The key the decision was made for. */
    public val key: String,
    /** Why the permits were not granted; `null` when [allowed]. */
    public val reason: DenyReason?,
    /**
     * The name of the level that decided: for a refusal, the level that refused (`global`,
     * `per-ip`, …); otherwise the request's own policy. `null` when no named policy decided.
     */
    public val policy: String? = null,
    /**
     * Whether a shadow policy would have refused this request; it was allowed because shadow
     * policies never refuse. Always `false` when [allowed] is `false`.
     */
    public val shadowDenied: Boolean = false,
) {
    /**
     * Creates a decision; [retryAfter] and [resetAfter] are kept to the microsecond.
     */
    public constructor(
        allowed: Boolean,
        remaining: Long,
        limit: Long,
        retryAfter: Duration,
        resetAfter: Duration,
        key: String,
        reason: DenyReason?,
    ) : this(allowed, remaining, limit, toMicros(retryAfter), toMicros(resetAfter), key, reason)

    /** How long to wait before the same request can be granted; zero when [allowed]. */
    public val retryAfter: Duration get() = micros(retryAfterMicros)

    /** How long until the bucket is full (or the window empty) again; zero when it is. */
    public val resetAfter: Duration get() = micros(resetAfterMicros)

    /** Returns this decision for [key]. */
    public fun withKey(key: String): Decision =
        if (key == this.key) this else Decision(allowed, remaining, limit, retryAfterMicros, resetAfterMicros, key, reason, policy, shadowDenied)

    /** Returns this decision naming [policy] as the level that decided. */
    public fun withPolicy(policy: String?): Decision =
        if (policy == this.policy) this else Decision(allowed, remaining, limit, retryAfterMicros, resetAfterMicros, key, reason, policy, shadowDenied)

    /** Returns this decision denied with [reason], keeping its numbers. */
    @JvmOverloads
    public fun deny(reason: DenyReason, retryAfter: Duration = this.retryAfter): Decision =
        Decision(false, remaining, limit, toMicros(retryAfter), resetAfterMicros, key, reason, policy)

    override fun equals(other: Any?): Boolean = other is Decision &&
        other.allowed == allowed && other.remaining == remaining && other.limit == limit &&
        other.retryAfterMicros == retryAfterMicros && other.resetAfterMicros == resetAfterMicros &&
        other.key == key && other.reason == reason && other.policy == policy && other.shadowDenied == shadowDenied

    override fun hashCode(): Int {
        var h = allowed.hashCode()
        h = 31 * h + remaining.hashCode()
        h = 31 * h + limit.hashCode()
        h = 31 * h + retryAfterMicros.hashCode()
        h = 31 * h + resetAfterMicros.hashCode()
        h = 31 * h + key.hashCode()
        h = 31 * h + (reason?.hashCode() ?: 0)
        h = 31 * h + (policy?.hashCode() ?: 0)
        return 31 * h + shadowDenied.hashCode()
    }

    override fun toString(): String =
        "Decision(allowed=$allowed, remaining=$remaining, limit=$limit, retryAfter=$retryAfter, " +
            "resetAfter=$resetAfter, key=$key, reason=$reason, policy=$policy, shadowDenied=$shadowDenied)"

    public companion object {
        /** Returns an allowed decision for [key]. */
        @JvmStatic
        @JvmOverloads
        public fun allowed(key: String, remaining: Long, limit: Long, resetAfter: Duration = Duration.ZERO): Decision =
            Decision(true, remaining, limit, 0, toMicros(resetAfter), key, null)

        /** Returns a denied decision for [key] with [reason]. */
        @JvmStatic
        @JvmOverloads
        public fun denied(
            key: String,
            reason: DenyReason,
            retryAfter: Duration,
            remaining: Long = 0,
            limit: Long = 0,
            resetAfter: Duration = Duration.ZERO,
        ): Decision = Decision(false, remaining, limit, toMicros(retryAfter), toMicros(resetAfter), key, reason)

        /**
         * Creates a decision from durations in microseconds, without allocating durations; for
         * stores written in Kotlin. Hidden from Java, which uses the constructor with durations.
         */
        @JvmSynthetic
        public fun fromMicros(
            allowed: Boolean,
            remaining: Long,
            limit: Long,
            retryAfterMicros: Long,
            resetAfterMicros: Long,
            key: String,
            reason: DenyReason?,
        ): Decision {
            require(retryAfterMicros >= 0 && resetAfterMicros >= 0) {
                "retryAfterMicros and resetAfterMicros must not be negative, were $retryAfterMicros and $resetAfterMicros"
            }
            return Decision(allowed, remaining, limit, retryAfterMicros, resetAfterMicros, key, reason)
        }

        private fun micros(value: Long): Duration =
            if (value == 0L) Duration.ZERO else Duration.ofSeconds(value / 1_000_000, (value % 1_000_000) * 1_000)

        internal fun toMicros(d: Duration): Long {
            require(!d.isNegative) { "duration must not be negative, was $d" }
            return try {
                Math.addExact(Math.multiplyExact(d.seconds, 1_000_000L), (d.nano + 999L) / 1_000)
            } catch (_: ArithmeticException) {
                Long.MAX_VALUE
            }
        }
    }
}

/** Why a request was not granted. */
public enum class DenyReason {
    /** The policy's limit is reached. */
    LIMITED,

    /** The limiter's wait queue is full. */
    QUEUE_FULL,

    /** The request waited its `maxWait` without being granted, or could not be granted within it. */
    QUEUE_TIMEOUT,

    /** The key or address is on the deny list. */
    DENYLISTED,

    /** The backend could not be reached and fault tolerance fails closed. */
    BACKEND_UNAVAILABLE,
}
