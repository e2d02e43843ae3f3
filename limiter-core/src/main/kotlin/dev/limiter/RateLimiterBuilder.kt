package dev.limiter

import dev.limiter.internal.QueueingRateLimiter
import java.time.Duration

/**
 * Configures a [RateLimiter]; Java's entry point (`RateLimiter.builder(policy)`).
 *
 * Defaults: an in-memory [LocalBucketStore], [LimiterClock.SYSTEM], a queue of
 * [DEFAULT_MAX_QUEUE_SIZE] waiters, no priority aging.
 */
public class RateLimiterBuilder internal constructor(private val policy: LimitPolicy) {
    private var store: BucketStore? = null
    private var clock: LimiterClock = LimiterClock.SYSTEM
    private var maxQueueSize: Int = DEFAULT_MAX_QUEUE_SIZE
    private var agingMicros: Long = 0
    private var listener: LimiterListener = LimiterListener.NONE

    /** Keeps buckets in [store]; stores may be shared by several limiters. */
    public fun store(store: BucketStore): RateLimiterBuilder = apply { this.store = store }

    /** Reads time from [clock]. */
    public fun clock(clock: LimiterClock): RateLimiterBuilder = apply { this.clock = clock }

    /**
     * Bounds the wait queue to [size] waiters across all keys; more are answered at once
     * with [DenyReason.QUEUE_FULL].
     */
    public fun maxQueueSize(size: Int): RateLimiterBuilder = apply {
        require(size >= 0) { "maxQueueSize must be 0 or more, was $size; use 0 to disable waiting" }
        this.maxQueueSize = size
    }

    /**
     * Raises a waiter's priority by one for every [interval] it has waited, so sustained
     * high-priority load cannot starve low priorities forever. Off by default.
     */
    public fun priorityAging(interval: Duration): RateLimiterBuilder = apply {
        require(!interval.isNegative && !interval.isZero) {
            "priorityAging interval must be positive, was $interval; use e.g. Duration.ofSeconds(1)"
        }
        agingMicros = Decision.toMicros(interval)
    }

    /** Reports every decision and wait to [listener] (metrics); see `LimiterMetrics`. */
    public fun listener(listener: LimiterListener): RateLimiterBuilder = apply { this.listener = listener }

    /** Returns the limiter as Java's blocking facade. */
    public fun build(): BlockingRateLimiter = buildSuspending().asBlocking()

    /** Returns the limiter with its suspending Kotlin API. */
    public fun buildSuspending(): RateLimiter =
        QueueingRateLimiter(policy, store ?: LocalBucketStore(), clock, maxQueueSize, agingMicros, listener)

    public companion object {
        /** The default bound of the wait queue. */
        public const val DEFAULT_MAX_QUEUE_SIZE: Int = 10_000
    }
}
