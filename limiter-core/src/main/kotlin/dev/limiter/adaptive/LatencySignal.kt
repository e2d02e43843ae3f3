package dev.limiter.adaptive

import dev.limiter.LimiterClock
import dev.limiter.adaptive.internal.ResponseFeed
import dev.limiter.adaptive.internal.SlidingSlots
import java.time.Duration

/**
 * Load from response times: the 90th percentile of the times [record]ed over the last
 * [window], divided by [target]. 1 means one response in ten takes [target] or longer; 0 when
 * nothing was recorded in the window.
 *
 * Times are counted in steps of `target / 16` up to 4 × [target], so the load is exact in
 * steps of 1/16 (rounded up) and at most 4. The window is read in ten slots, so it covers
 * between 9/10 of [window] and all of it. Safe for any number of threads; made by
 * [LoadSignal.latency].
 */
public class LatencySignal internal constructor(
    /** The response time that counts as a load of 1. */
    public val target: Duration,
    /** How far back recorded times count. */
    public val window: Duration,
    clock: LimiterClock,
) : LoadSignal, ResponseFeed {
    private val targetNanos = target.toNanos()
    private val slots = SlidingSlots(window, OVERFLOW + 1, clock)

    init {
        require(targetNanos >= STEPS) { "target must be at least $STEPS nanoseconds, such as Duration.ofMillis(250), was $target" }
    }

    /** Records one response that took [duration]; negative durations count as zero. */
    public fun record(duration: Duration) {
        val nanos = duration.toNanos().coerceAtLeast(0)
        val step = if (nanos > targetNanos * MAX_RATIO) OVERFLOW else ceilDiv(nanos * STEPS, targetNanos).toInt()
        slots.add(step)
    }

    /** Returns the window's 90th-percentile time over [target], in steps of 1/16, at most 4; 0 with no times. */
    override fun load(): Double {
        val counts = slots.sum()
        val total = counts.sum()
        if (total == 0L) return 0.0
        val rank = ceilDiv(total * PERCENTILE, 100)
        var seen = 0L
        for (step in counts.indices) {
            seen += counts[step]
            if (seen >= rank) return minOf(step, OVERFLOW - 1).toDouble() / STEPS
        }
        return MAX_RATIO.toDouble()
    }

    override fun record(duration: Duration, failed: Boolean): Unit = record(duration)

    override fun toString(): String = "LoadSignal.latency(target=$target, window=$window)"

    private companion object {
        const val STEPS = 16L
        const val MAX_RATIO = 4L
        const val OVERFLOW = (STEPS * MAX_RATIO).toInt() + 1
        const val PERCENTILE = 90L

        fun ceilDiv(a: Long, b: Long): Long = -Math.floorDiv(-a, b)
    }
}
