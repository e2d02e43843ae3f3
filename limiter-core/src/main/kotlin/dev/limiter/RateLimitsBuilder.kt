package dev.limiter

import dev.limiter.config.LimitsConfig

/**
 * Builds a [RateLimits] for Java callers: `RateLimits.builder(config).store(s).clock(c).build()`.
 * Unset, the store is a new [LocalBucketStore], the clock [LimiterClock.SYSTEM], the listener
 * [LimiterListener.NONE] and each policy's queue holds [RateLimiterBuilder.DEFAULT_MAX_QUEUE_SIZE].
 */
public class RateLimitsBuilder internal constructor(private val config: LimitsConfig) {
    private var store: BucketStore = LocalBucketStore()
    private var clock: LimiterClock = LimiterClock.SYSTEM
    private var listener: LimiterListener = LimiterListener.NONE
    private var maxQueueSize: Int = RateLimiterBuilder.DEFAULT_MAX_QUEUE_SIZE

    /** Where buckets live; shared stores (Redis) share the limits between nodes. */
    public fun store(store: BucketStore): RateLimitsBuilder = apply { this.store = store }

    /** The time source; a `MockClock` in tests. */
    public fun clock(clock: LimiterClock): RateLimitsBuilder = apply { this.clock = clock }

    /** Told about every decision, e.g. a [LimiterMetrics]. */
    public fun listener(listener: LimiterListener): RateLimitsBuilder = apply { this.listener = listener }

    /** Bounds each policy's wait queue for [RateLimits.checkQueued]. */
    public fun maxQueueSize(size: Int): RateLimitsBuilder = apply {
        require(size >= 1) { "maxQueueSize must be at least 1, was $size" }
        this.maxQueueSize = size
    }

    /** Builds the engine. */
    public fun build(): RateLimits = RateLimits(config, store, clock, listener, maxQueueSize)
}
