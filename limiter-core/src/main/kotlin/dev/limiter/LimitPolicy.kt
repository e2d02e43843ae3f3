package dev.limiter

import dev.limiter.internal.SlidingWindowCounter
import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * What a limit allows: an algorithm with its capacity and rate.
 *
 * Policies are immutable values; two policies with the same algorithm, numbers and mode are
 * equal (the [name] is a label and does not take part in equality). Every number is validated at
 * construction so that the algorithm's integer arithmetic stays exact, in Kotlin and in the
 * Lua twins that run inside Redis (whose numbers are exact up to 2^53).
 */
public class LimitPolicy private constructor(
    /** The algorithm that decides. */
    public val algorithm: Algorithm,
    /**
     * The most permits available at once: bucket capacity, window limit or GCRA burst.
     */
    public val capacity: Long,
    /**
     * How fast permits come back: the refill or drain rate of a bucket, `limit / window` of a
     * window algorithm, the emission rate of GCRA.
     */
    public val rate: Rate,
    /** A label for metrics, logs and headers, such as `free`; `null` for an unnamed policy. */
    public val name: String?,
    /**
     * Whether this policy only observes: it is decided and counted like any other, but its
     * refusals come back allowed with [Decision.shadowDenied] set. See [shadow].
     */
    public val isShadow: Boolean = false,
) {
    /** Algorithms a [LimitPolicy] can use; [id] is the name used in YAML and Redis keys. */
    public enum class Algorithm(public val id: String) {
        TOKEN_BUCKET("token-bucket"),
        LEAKY_BUCKET("leaky-bucket"),
        FIXED_WINDOW("fixed-window"),
        SLIDING_WINDOW_LOG("sliding-window-log"),
        SLIDING_WINDOW_COUNTER("sliding-window-counter"),
        GCRA("gcra");

        public companion object {
            /** Returns the algorithm whose [id] is [id], or `null`. */
            @JvmStatic
            public fun fromId(id: String): Algorithm? = entries.firstOrNull { it.id == id }
        }
    }

    /** The window of a window algorithm, or the period of the rate for the others. */
    public val window: Duration get() = rate.period

    /**
     * Returns this policy labelled [name]; the label shows in metrics, logs and headers.
     */
    public fun named(name: String): LimitPolicy {
        require(name.isNotBlank()) { "policy name must not be blank" }
        return LimitPolicy(algorithm, capacity, rate, name, isShadow)
    }

    /**
     * Returns this policy in shadow mode: `RateLimits` decides and counts it as usual, but a
     * request it would refuse is allowed, with [Decision.shadowDenied] set and the outcome
     * `shadow_rejected` in metrics. For trying a new limit on live traffic before enforcing it.
     */
    public fun shadow(): LimitPolicy = if (isShadow) this else LimitPolicy(algorithm, capacity, rate, name, true)

    /** Returns this policy enforcing its refusals again; the opposite of [shadow]. */
    public fun enforced(): LimitPolicy = if (!isShadow) this else LimitPolicy(algorithm, capacity, rate, name, false)

    /**
     * Which buckets this policy owns in a store: a named policy's name and algorithm, so that
     * its buckets survive a change of its numbers (hot reload, adaptive scaling); an unnamed
     * policy's [id]. Named identities always end in `|algorithm`, unnamed ones never hold `|`.
     */
    @get:JvmSynthetic
    internal val bucketIdentity: String = if (name == null) id else "$name|${algorithm.id}"

    /** Fixed-point units in one token ([PolicyMath.unitsPerToken]), computed once rather than per new bucket. */
    @get:JvmSynthetic
    internal val unitsPerToken: Long = PolicyMath.unitsPerToken(rate)

    /** Fixed-point units gained per microsecond ([PolicyMath.unitsPerMicro]). */
    @get:JvmSynthetic
    internal val unitsPerMicro: Long = PolicyMath.unitsPerMicro(rate)

    /** Whether [other] has the same algorithm and numbers: buckets of one fit the other as they are. */
    @JvmSynthetic
    internal fun sameLimits(other: LimitPolicy): Boolean =
        other === this || other.algorithm == algorithm && other.capacity == capacity && other.rate == rate

    /**
     * How long an empty bucket takes to be full again at [rate] (for window algorithms, the
     * window), rounded up to the microsecond; the `w` of the `RateLimit-Policy` header.
     */
    public val fillTime: Duration = Duration.of(
        -Math.floorDiv(-capacity * PolicyMath.unitsPerToken(rate), PolicyMath.unitsPerMicro(rate)),
        java.time.temporal.ChronoUnit.MICROS,
    )

    /** A stable text that identifies the policy's behaviour, such as `token-bucket:40:10/1s`. */
    public val id: String get() = "${algorithm.id}:$capacity:$rate"

    override fun equals(other: Any?): Boolean =
        other is LimitPolicy && sameLimits(other) && other.isShadow == isShadow

    // Cached: stores look buckets up by policy on every decision.
    private val hash: Int =
        ((algorithm.hashCode() * 31 + capacity.hashCode()) * 31 + rate.hashCode()) * 31 + isShadow.hashCode()

    override fun hashCode(): Int = hash

    override fun toString(): String = (if (name == null) id else "$name($id)") + if (isShadow) " shadow" else ""

    public companion object {
        /** The largest capacity or limit any policy accepts. */
        public const val MAX_CAPACITY: Long = 1L shl 40

        /** The largest limit a sliding window log accepts: it stores one entry per request. */
        public const val MAX_LOG_LIMIT: Long = 100_000

        /** Every intermediate value of the algorithms stays below this (exact in a double). */
        internal const val EXACT_LIMIT: Long = 1L shl 53

        /**
         * A token bucket holding up to [capacity] tokens, refilled continuously at [refill].
         *
         * Admits bursts of up to [capacity] at once, then [refill] on average.
         */
        @JvmStatic
        public fun tokenBucket(capacity: Long, refill: Rate): LimitPolicy =
            create(Algorithm.TOKEN_BUCKET, capacity, refill, "capacity")

        /**
         * A leaky bucket (as a meter) holding up to [capacity] requests, draining at [drainRate].
         *
         * `tryAcquire` rejects a request that would overflow the bucket; `acquire` and
         * `queueRequest` hold it until it fits, so a burst beyond the capacity is released
         * evenly at the drain rate.
         */
        @JvmStatic
        public fun leakyBucket(capacity: Long, drainRate: Rate): LimitPolicy =
            create(Algorithm.LEAKY_BUCKET, capacity, drainRate, "capacity")

        /** At most [limit] permits per calendar-aligned window of length [window]. */
        @JvmStatic
        public fun fixedWindow(limit: Long, window: Duration): LimitPolicy =
            create(Algorithm.FIXED_WINDOW, limit, windowRate(limit, window), "limit")

        /** At most [limit] permits in any window of length [window], exactly (one entry per request). */
        @JvmStatic
        public fun slidingWindowLog(limit: Long, window: Duration): LimitPolicy {
            require(limit <= MAX_LOG_LIMIT) {
                "limit must be at most $MAX_LOG_LIMIT for a sliding window log (it stores every request), " +
                    "was $limit; use slidingWindowCounter for large limits"
            }
            return create(Algorithm.SLIDING_WINDOW_LOG, limit, windowRate(limit, window), "limit")
        }

        /**
         * At most about [limit] permits in any window of length [window], estimated from the
         * current and the previous fixed window (weight in 1/1000 steps).
         */
        @JvmStatic
        public fun slidingWindowCounter(limit: Long, window: Duration): LimitPolicy {
            val rate = windowRate(limit, window)
            require(rate.periodMicros <= SlidingWindowCounter.MAX_WINDOW_MICROS) {
                "window must be at most 104 days for a sliding window counter, was $window; " +
                    "use a fixed window for longer periods"
            }
            return create(Algorithm.SLIDING_WINDOW_COUNTER, limit, rate, "limit")
        }

        /**
         * The generic cell rate algorithm: admits up to [burst] requests at once, then one per
         * emission interval (`1 / rate`).
         */
        @JvmStatic
        public fun gcra(rate: Rate, burst: Long): LimitPolicy = create(Algorithm.GCRA, burst, rate, "burst")

        /** Kotlin form of [fixedWindow]. */
        @JvmSynthetic
        public fun fixedWindow(limit: Long, window: kotlin.time.Duration): LimitPolicy =
            fixedWindow(limit, window.toJavaDuration())

        /** Kotlin form of [slidingWindowLog]. */
        @JvmSynthetic
        public fun slidingWindowLog(limit: Long, window: kotlin.time.Duration): LimitPolicy =
            slidingWindowLog(limit, window.toJavaDuration())

        /** Kotlin form of [slidingWindowCounter]. */
        @JvmSynthetic
        public fun slidingWindowCounter(limit: Long, window: kotlin.time.Duration): LimitPolicy =
            slidingWindowCounter(limit, window.toJavaDuration())

        /**
         * Returns the policy for [algorithm] with [capacity] and [rate], as the YAML config
         * describes it (for window algorithms, [rate] is `limit / window`).
         */
        @JvmStatic
        public fun of(algorithm: Algorithm, capacity: Long, rate: Rate): LimitPolicy = when (algorithm) {
            Algorithm.SLIDING_WINDOW_LOG -> slidingWindowLog(capacity, rate.period)
            Algorithm.SLIDING_WINDOW_COUNTER -> slidingWindowCounter(capacity, rate.period)
            Algorithm.TOKEN_BUCKET, Algorithm.LEAKY_BUCKET -> create(algorithm, capacity, rate, "capacity")
            Algorithm.GCRA -> create(algorithm, capacity, rate, "burst")
            else -> create(algorithm, capacity, rate, "limit")
        }

        private fun windowRate(limit: Long, window: Duration): Rate {
            require(limit in 1..MAX_CAPACITY) { "limit must be between 1 and $MAX_CAPACITY, was $limit" }
            require(!window.isNegative && !window.isZero) {
                "window must be positive, was $window; use a window such as Duration.ofMinutes(1)"
            }
            return Rate.of(limit, window)
        }

        private fun create(algorithm: Algorithm, capacity: Long, rate: Rate, field: String): LimitPolicy {
            require(capacity in 1..MAX_CAPACITY) {
                "$field must be between 1 and $MAX_CAPACITY, was $capacity"
            }
            val units = PolicyMath.unitsPerToken(rate)
            require(capacity.toBigInteger() * units.toBigInteger() < EXACT_LIMIT.toBigInteger()) {
                "$field $capacity with rate $rate needs more than 53 bits of precision; " +
                    "lower the $field or use a rate whose period divides evenly by its amount"
            }
            return LimitPolicy(algorithm, capacity, rate, null)
        }
    }
}

/** Integer parameters shared by the algorithms and their Lua twins. */
internal object PolicyMath {
    /** Fixed-point units in one token: `period / gcd(amount, period)`. */
    fun unitsPerToken(rate: Rate): Long = rate.periodMicros / gcd(rate.amount, rate.periodMicros)

    /** Units gained per microsecond: `amount / gcd(amount, period)`. */
    fun unitsPerMicro(rate: Rate): Long = rate.amount / gcd(rate.amount, rate.periodMicros)

    tailrec fun gcd(a: Long, b: Long): Long = if (b == 0L) a else gcd(b, a % b)
}
