package dev.limiter.internal

import dev.limiter.LimitPolicy

/**
 * Fixed window: at most `limit` permits per window; windows are aligned to the epoch
 * (`start = now - now mod window`), so every node agrees on where they begin.
 *
 * State: `start` (epoch µs) and `count` (permits taken in that window).
 */
internal class FixedWindow(policy: LimitPolicy, now: Long) : Bucket(policy) {
    private val window = policy.rate.periodMicros
    private val limit = policy.capacity
    private var start = now - Math.floorMod(now, window)
    private var count = 0L

    override fun evaluate(now: Long, permits: Long, commit: Boolean) {
        val current = now - Math.floorMod(now, window)
        if (current > start) {
            start = current
            count = 0
        }
        allowed = count + permits <= limit
        if (allowed && commit) count += permits
        val end = start + window
        retryAfter = if (allowed) 0 else end - now
        resetAfter = if (count == 0L) 0 else end - now
        remaining = maxOf(0, limit - count)
        tokens = remaining.toDouble()
    }

    override fun idleAt(): Long = if (count == 0L) Long.MIN_VALUE else start + window

    override fun carriedTo(policy: LimitPolicy, now: Long): Bucket {
        evaluate(now, 0, commit = false)
        // What is left stays left (up to the new limit): the count moves by the change of limit.
        // The count carries into the new window under way at now.
        if (count == 0L) return FixedWindow(policy, now)
        return FixedWindow(policy, now).also { it.count = (count + it.limit - limit).coerceIn(0, it.limit) }
    }
}
