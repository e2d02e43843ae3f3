@file:JvmName("RateLimiters")

package dev.limiter

import java.time.Instant
import kotlin.time.Duration

/** The key used when a limiter guards a single bucket. */
public const val DEFAULT_KEY: String = "global"

/**
 * Limits how often something may happen, per key, under one [LimitPolicy].
 *
 * Every limiter is safe for any number of threads and coroutines. Waiting operations
 * ([acquire], [queueRequest]) suspend on the limiter's clock, so under `runTest` with a
 * `VirtualClock` a wait of hours finishes at once and exactly.
 *
 * Waiters are served by priority (higher first), first come first served within a priority;
 * a request is granted at once only when permits are available and no waiter of equal or
 * higher priority is ahead of it for that key. A cancelled waiter leaves the queue and
 * consumes nothing. The queue is bounded; overflow is answered at once with
 * [DenyReason.QUEUE_FULL].
 */
public interface RateLimiter : AutoCloseable {
    /** The policy every key of this limiter follows. */
    public val policy: LimitPolicy

    /** Takes [permits] now if available; never waits. */
    @JvmSynthetic
    public suspend fun tryAcquire(key: String = DEFAULT_KEY, permits: Long = 1): Decision

    /**
     * Waits until [permits] can be taken, up to [maxWait]; returns the decision.
     *
     * Answers [DenyReason.QUEUE_TIMEOUT] at once when the earliest possible grant lies beyond
     * [maxWait], otherwise when [maxWait] runs out.
     *
     * @throws IllegalArgumentException when [permits] exceeds the policy's capacity.
     */
    @JvmSynthetic
    public suspend fun acquire(key: String = DEFAULT_KEY, permits: Long = 1L, maxWait: Duration = Duration.INFINITE): Decision

    /**
     * Waits for [permits] by [priority] (higher first), up to [maxWait]; returns the decision.
     *
     * @throws IllegalArgumentException when [permits] exceeds the policy's capacity.
     */
    @JvmSynthetic
    public suspend fun queueRequest(key: String = DEFAULT_KEY, priority: Int = 0, maxWait: Duration, permits: Long = 1L): Decision

    /**
     * Waits for [permits] by [priority], then runs [request] and returns its result.
     *
     * @throws RateLimitExceededException when the permits are not granted within [maxWait].
     */
    @JvmSynthetic
    public suspend fun <T> queueRequest(
        key: String,
        priority: Int,
        maxWait: Duration,
        permits: Long = 1L,
        request: suspend () -> T,
    ): T {
        val decision = queueRequest(key, priority, maxWait, permits)
        if (!decision.allowed) throw RateLimitExceededException(decision)
        return request()
    }

    /** Returns the permits in [key]'s bucket now: exact, fractional for token buckets. */
    @JvmSynthetic
    public suspend fun tokenCount(key: String = DEFAULT_KEY): Double

    /** Returns how many requests of cost 1 [key] may make right now. */
    @JvmSynthetic
    public suspend fun remainingQuota(key: String = DEFAULT_KEY): Long

    /** Returns the instant at which [permits] can be taken from [key]; now if they can be taken now. */
    @JvmSynthetic
    public suspend fun nextAvailableTimestamp(key: String = DEFAULT_KEY, permits: Long = 1L): Instant

    /** Forgets [key]'s bucket: the next request finds it full. */
    @JvmSynthetic
    public suspend fun reset(key: String = DEFAULT_KEY)

    /** Returns counts across every key since the limiter was created. */
    public fun usageStats(): UsageStats

    /** Returns counts for [key] on this node; zero counts for a key never seen. */
    public fun usageStats(key: String): KeyUsage

    /** Returns a view of this limiter bound to [key]. */
    public fun scopeByKey(key: String): ScopedRateLimiter

    /** Returns the blocking view for Java callers; it shares this limiter's buckets and queue. */
    public fun asBlocking(): BlockingRateLimiter

    /** Fails pending waiters with [LimiterClosedException]; later calls throw it too. The store stays open. */
    override fun close()

    public companion object {
        /** Returns a limiter for [policy] with an in-memory store and the system clock. */
        @JvmStatic
        public fun create(policy: LimitPolicy): BlockingRateLimiter = builder(policy).build()

        /** Returns a builder for a limiter on [policy]. */
        @JvmStatic
        public fun builder(policy: LimitPolicy): RateLimiterBuilder = RateLimiterBuilder(policy)
    }
}

/**
 * Returns a limiter for [policy] over [store] on [clock], with a wait queue of at most
 * [maxQueueSize] waiters.
 *
 * Stores may be shared between limiters, so closing the limiter does not close [store].
 */
public fun RateLimiter(
    policy: LimitPolicy,
    store: BucketStore = LocalBucketStore(),
    clock: LimiterClock = LimiterClock.SYSTEM,
    maxQueueSize: Int = RateLimiterBuilder.DEFAULT_MAX_QUEUE_SIZE,
): RateLimiter = RateLimiterBuilder(policy).store(store).clock(clock).maxQueueSize(maxQueueSize).buildSuspending()

/** Thrown by the request form of [RateLimiter.queueRequest] when the permits were not granted. */
public class RateLimitExceededException(
    /** The decision that denied the request. */
    public val decision: Decision,
) : RuntimeException("rate limit exceeded for key '${decision.key}' (${decision.reason}); retry after ${decision.retryAfter}") {
    /** How long to wait before trying again. */
    public val retryAfter: java.time.Duration get() = decision.retryAfter
}
