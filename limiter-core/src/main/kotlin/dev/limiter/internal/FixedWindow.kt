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
        remaining = limit - count
        tokens = remaining.toDouble()
    }

    override fun idleAt(): Long = if (count == 0L) Long.MIN_VALUE else start + window
}
