package dev.limiter.internal

import dev.limiter.LimitPolicy

/**
 * Sliding window counter: estimates the permits in the last window from the current and the
 * previous epoch-aligned fixed window, weighting the previous one by the part of it still
 * inside the sliding window.
 *
 * The weight is quantised to thousandths, `weight = floor((window - elapsed) * 1000 / window)`,
 * and `permits` are admitted when `previous * weight + (current + permits) * 1000 <= limit * 1000`.
 * State: `start` of the current window, `current` and `previous` counts.
 */
internal class SlidingWindowCounter(policy: LimitPolicy, now: Long) : Bucket(policy) {
    private val window = policy.rate.periodMicros
    private val limit = policy.capacity
    private var start = now - Math.floorMod(now, window)
    private var current = 0L
    private var previous = 0L

    override fun evaluate(now: Long, permits: Long, commit: Boolean) {
        val aligned = now - Math.floorMod(now, window)
        if (aligned > start) {
            previous = if (aligned == start + window) current else 0
            current = 0
            start = aligned
        }
        val elapsed = maxOf(0, now - start)
        val weighted = previous * weight(elapsed)
        allowed = weighted + (current + permits) * SCALE <= limit * SCALE
        if (allowed && commit) current += permits
        val left = maxOf(0, limit * SCALE - weighted - current * SCALE)
        remaining = left / SCALE
        tokens = left.toDouble() / SCALE
        retryAfter = if (allowed) 0 else waitFor(now, permits)
        resetAfter = if (current == 0L && previous == 0L) 0 else maxOf(0, idleAt() - now)
    }

    override fun carriedTo(policy: LimitPolicy, now: Long): Bucket {
        evaluate(now, 0, commit = false)
        if (current == 0L && previous == 0L) return SlidingWindowCounter(policy, now)
        return SlidingWindowCounter(policy, now).also {
            // What is left stays left (up to the new limit): the current count moves by the
            // change of limit. Windows of another length do not line up, so the previous
            // window's weighted share is counted as taken in the current one.
            val taken = if (it.window == window) {
                it.start = start
                it.previous = previous
                current
            } else {
                current + ceilDiv(previous * weight(maxOf(0, now - start)), SCALE)
            }
            it.current = (taken + it.limit - limit).coerceIn(0, it.limit)
        }
    }

    /** When the estimate reaches zero: the previous window's weight, or this one's once it is previous, hits 0. */
    override fun idleAt(): Long = when {
        current > 0 -> start + window + firstOffsetWithWeightAtMost(0)
        previous > 0 -> start + firstOffsetWithWeightAtMost(0)
        else -> Long.MIN_VALUE
    }

    private fun weight(elapsed: Long): Long = (window - elapsed) * SCALE / window

    /** Microseconds until [permits] fit, assuming nothing else is granted meanwhile. */
    private fun waitFor(now: Long, permits: Long): Long {
        if (current + permits <= limit) {
            // Fits in this window once the previous window's weight has dropped enough.
            val offset = firstOffsetWithWeightAtMost((limit - current - permits) * SCALE / previous)
            return if (offset < window) start + offset - now else start + window - now
        }
        // Fits in the next window, where this window's count becomes the previous one.
        val offset = firstOffsetWithWeightAtMost((limit - permits) * SCALE / current)
        return if (offset < window) start + window + offset - now else start + 2 * window - now
    }

    /** Smallest offset into a window whose weight is at most [target]; `window` when none is. */
    private fun firstOffsetWithWeightAtMost(target: Long): Long {
        if (target >= SCALE) return 0
        val offset = window - ceilDiv((target + 1) * window, SCALE) + 1
        return offset.coerceIn(0, window)
    }

    companion object {
        /** Weights are in thousandths. */
        const val SCALE: Long = 1000

        /** Longest window for which `window * SCALE` stays exact in 53 bits. */
        const val MAX_WINDOW_MICROS: Long = (1L shl 53) / SCALE
    }
}
