package dev.limiter

/**
 * A [LimiterClock] that wakes waiters itself.
 *
 * A limiter whose clock implements this waits for it instead of for `delay`: a queued request
 * sleeping until a refill asks the clock to wake it at that instant. `dev.limiter.testing.MockClock`
 * implements it, so moving a mock clock wakes exactly the waiters whose time has come. Other
 * clocks are waited on with `delay` (on the coroutine's dispatcher, virtual time under `runTest`),
 * or, for [LimiterClock.SYSTEM], on the library's own timer thread.
 */
public interface WakingClock : LimiterClock {
    /**
     * Calls [wake] once, when this clock reads [deadlineNanos] (epoch nanoseconds) or later: at
     * once, on the calling thread, if it already does.
     *
     * Returns what cancels the call when it is no longer wanted; running it after [wake] ran,
     * or twice, does nothing.
     */
    public fun wakeAt(deadlineNanos: Long, wake: Runnable): Runnable
}
