package dev.limiter.adaptive.internal

import dev.limiter.LimiterClock
import java.time.Duration

/**
 * Counts over the last `window` on a clock, in [SLOTS] slots of `window / SLOTS` each: what
 * is read covers between `window - window / SLOTS` and `window` of the past, without a
 * thread to roll the slots over. Each slot is an array of [width] counters.
 *
 * Guarded by its own monitor: recording is a few array writes, cheaper than anything lock-free
 * that would keep the slots consistent with each other.
 */
internal class SlidingSlots(window: Duration, private val width: Int, private val clock: LimiterClock) {
    private val slotNanos: Long = window.toNanos() / SLOTS
    private val counts = Array(SLOTS) { LongArray(width) }
    private val slotIndex = LongArray(SLOTS) { Long.MIN_VALUE }

    init {
        require(slotNanos > 0) { "window must be at least $SLOTS nanoseconds, was $window" }
    }

    /** Adds one to counter [counter] (and [also], when not negative) of the current slot. */
    fun add(counter: Int, also: Int = -1) {
        val index = Math.floorDiv(clock.nowNanos(), slotNanos)
        synchronized(this) {
            val slot = slotOf(index)
            counts[slot][counter]++
            if (also >= 0) counts[slot][also]++
        }
    }

    /** Returns every counter summed over the slots still inside the window. */
    fun sum(): LongArray {
        val index = Math.floorDiv(clock.nowNanos(), slotNanos)
        val total = LongArray(width)
        synchronized(this) {
            for (slot in 0 until SLOTS) {
                if (slotIndex[slot] > index - SLOTS && slotIndex[slot] <= index) {
                    for (i in 0 until width) total[i] += counts[slot][i]
                }
            }
        }
        return total
    }

    private fun slotOf(index: Long): Int {
        val slot = Math.floorMod(index, SLOTS.toLong()).toInt()
        if (slotIndex[slot] != index) {
            slotIndex[slot] = index
            counts[slot].fill(0)
        }
        return slot
    }

    companion object {
        const val SLOTS: Int = 10
    }
}
