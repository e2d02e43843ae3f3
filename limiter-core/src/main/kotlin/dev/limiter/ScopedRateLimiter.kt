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
    public suspend fun tryAcquire(permits: Long = 1): Decision

    /** See [RateLimiter.acquire]. */
    public suspend fun acquire(permits: Long = 1L, maxWait: Duration = Duration.INFINITE): Decision

    /** See [RateLimiter.queueRequest]. */
    public suspend fun queueRequest(priority: Int = 0, maxWait: Duration, permits: Long = 1L): Decision

    /** See [RateLimiter.tokenCount]. */
    public suspend fun tokenCount(): Double

    /** See [RateLimiter.remainingQuota]. */
    public suspend fun remainingQuota(): Long

    /** See [RateLimiter.nextAvailableTimestamp]. */
    public suspend fun nextAvailableTimestamp(permits: Long = 1L): Instant

    /** See [RateLimiter.usageStats]. */
    public fun usageStats(): KeyUsage
}

internal class KeyScopedRateLimiter(private val limiter: RateLimiter, override val key: String) : ScopedRateLimiter {
    override suspend fun tryAcquire(permits: Long): Decision = limiter.tryAcquire(key, permits)
    override suspend fun acquire(permits: Long, maxWait: Duration): Decision = limiter.acquire(key, permits, maxWait)
    override suspend fun queueRequest(priority: Int, maxWait: Duration, permits: Long): Decision =
        limiter.queueRequest(key, priority, maxWait, permits)
    override suspend fun tokenCount(): Double = limiter.tokenCount(key)
    override suspend fun remainingQuota(): Long = limiter.remainingQuota(key)
    override suspend fun nextAvailableTimestamp(permits: Long): Instant = limiter.nextAvailableTimestamp(key, permits)
    override fun usageStats(): KeyUsage = limiter.usageStats(key)
    override fun toString(): String = "ScopedRateLimiter(key=$key, policy=${limiter.policy})"
}
