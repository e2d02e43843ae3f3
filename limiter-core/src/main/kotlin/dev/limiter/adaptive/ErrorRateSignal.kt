package dev.limiter.adaptive

import dev.limiter.LimiterClock
import dev.limiter.adaptive.internal.ResponseFeed
import dev.limiter.adaptive.internal.SlidingSlots
import java.time.Duration

/**
 * Load from failed responses: the share of failures over the last [window], divided by
 * [threshold], so that a failure rate of [threshold] reads as a load of 1. With the default
 * watermarks (0.8 and 0.6) and a threshold of 0.1, limits tighten above 8 % failures and
 * recover below 6 %.
 *
 * Below [minRequests] responses in the window the load is 0: two failures out of three
 * requests say little. What counts as a failure is the caller's choice; the Ktor plugin counts
 * 5xx responses, never its own 429s. The window is read in ten slots, so it covers between
 * 9/10 of [window] and all of it. Safe for any number of threads; made by [LoadSignal.errorRate].
 */
public class ErrorRateSignal internal constructor(
    /** The failure rate, in `(0, 1]`, that reads as a load of 1. */
    public val threshold: Double,
    /** How far back responses count. */
    public val window: Duration,
    /** Fewest responses in the window for the rate to count. */
    public val minRequests: Int,
    clock: LimiterClock,
) : LoadSignal, ResponseFeed {
    private val slots = SlidingSlots(window, 2, clock)

    init {
        require(threshold > 0.0 && threshold <= 1.0) { "threshold must be a failure rate in (0, 1], such as 0.1, was $threshold" }
        require(minRequests >= 1) { "minRequests must be at least 1, such as 20, was $minRequests" }
    }

    /** Records one response; [failed] when it counts as a failure. */
    public fun record(failed: Boolean) {
        if (failed) slots.add(TOTAL, FAILED) else slots.add(TOTAL)
    }

    /** Returns the window's failure rate over [threshold]; 0 below [minRequests] responses. */
    override fun load(): Double {
        val counts = slots.sum()
        if (counts[TOTAL] < minRequests) return 0.0
        return counts[FAILED].toDouble() / counts[TOTAL] / threshold
    }

    override fun record(duration: Duration, failed: Boolean): Unit = record(failed)

    override fun toString(): String = "LoadSignal.errorRate(threshold=$threshold, window=$window, minRequests=$minRequests)"

    private companion object {
        const val TOTAL = 0
        const val FAILED = 1
    }
}
