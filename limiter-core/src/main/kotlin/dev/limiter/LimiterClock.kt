@file:JvmName("LimiterClocks")

package dev.limiter

/**
 * The time source of a limiter: epoch-based nanoseconds.
 *
 * Nothing in the library reads the system clock except [SYSTEM]; tests pass a
 * `dev.limiter.testing.MockClock` or `VirtualClock` instead.
 */
public fun interface LimiterClock {
    /** Returns the current time in nanoseconds since the Unix epoch. */
    public fun nowNanos(): Long

    public companion object {
        /**
         * The system clock: epoch-anchored once at startup, then advanced by the monotonic
         * `System.nanoTime`, so it never runs backwards when the wall clock is adjusted.
         */
        @JvmField
        public val SYSTEM: LimiterClock = SystemClock
    }
}

private object SystemClock : LimiterClock {
    private val originEpochNanos: Long = System.currentTimeMillis() * 1_000_000L
    private val originNanoTime: Long = System.nanoTime()

    override fun nowNanos(): Long = originEpochNanos + (System.nanoTime() - originNanoTime)

    override fun toString(): String = "LimiterClock.SYSTEM"
}

/** Current time in epoch microseconds, the unit of every algorithm. */
internal fun LimiterClock.nowMicros(): Long = Math.floorDiv(nowNanos(), 1_000L)
