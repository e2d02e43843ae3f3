package dev.limiter

import java.time.Instant
import kotlin.time.Duration

/**
 * A [RateLimiter] bound to one key: the same operations without the key argument.
 *
 * The view shares the limiter's buckets, queue and statistics.
 */
public interface ScopedRateLimiter {
    /** The key every operation uses. */
    public val key: String

    /** See [RateLimiter.tryAcquire]. */
    @JvmSynthetic
    public suspend fun tryAcquire(permits: Long = 1): Decision

    /** See [RateLimiter.acquire]. */
    @JvmSynthetic
    public suspend fun acquire(permits: Long = 1L, maxWait: Duration = Duration.INFINITE): Decision

    /** See [RateLimiter.queueRequest]. */
    @JvmSynthetic
    public suspend fun queueRequest(priority: Int = 0, maxWait: Duration, permits: Long = 1L): Decision

    /** See [RateLimiter.tokenCount]. */
    @JvmSynthetic
    public suspend fun tokenCount(): Double

    /** See [RateLimiter.remainingQuota]. */
    @JvmSynthetic
    public suspend fun remainingQuota(): Long

    /** See [RateLimiter.nextAvailableTimestamp]. */
    @JvmSynthetic
    public suspend fun nextAvailableTimestamp(permits: Long = 1L): Instant

    /** See [RateLimiter.usageStats]. */
    public fun usageStats(): KeyUsage
}

internal class KeyScopedRateLimiter(private val limiter: RateLimiter, override val key: String) : ScopedRateLimiter {
    @JvmSynthetic
    override suspend fun tryAcquire(permits: Long): Decision = limiter.tryAcquire(key, permits)
    @JvmSynthetic
    override suspend fun acquire(permits: Long, maxWait: Duration): Decision = limiter.acquire(key, permits, maxWait)
    @JvmSynthetic
    override suspend fun queueRequest(priority: Int, maxWait: Duration, permits: Long): Decision =
        limiter.queueRequest(key, priority, maxWait, permits)
    @JvmSynthetic
    override suspend fun tokenCount(): Double = limiter.tokenCount(key)
    @JvmSynthetic
    override suspend fun remainingQuota(): Long = limiter.remainingQuota(key)
    @JvmSynthetic
    override suspend fun nextAvailableTimestamp(permits: Long): Instant = limiter.nextAvailableTimestamp(key, permits)
    override fun usageStats(): KeyUsage = limiter.usageStats(key)
    override fun toString(): String = "ScopedRateLimiter(key=$key, policy=${limiter.policy})"
}
