package dev.limiter.samples.kotlin

import dev.limiter.LimiterClock

/** Reads how long ago it was started on [clock], in whole milliseconds: exact on a virtual clock. */
class Stopwatch(private val clock: LimiterClock) {
    private val start = clock.nowNanos()

    /** Returns the milliseconds since the stopwatch was created, like `200 ms`. */
    fun elapsed(): String = "${(clock.nowNanos() - start) / 1_000_000} ms"
}
