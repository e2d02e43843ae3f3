package dev.limiter.internal

import dev.limiter.LimiterClock
import dev.limiter.WakingClock
import dev.limiter.nowMicros
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.time.Duration.Companion.microseconds

/**
 * Sleeps of queued waiters on a limiter's clock: until a time on that clock, or until woken,
 * whichever comes first.
 *
 * The clock times the sleep when it can: a [WakingClock] (a mock clock) wakes the waiter itself,
 * and [LimiterClock.SYSTEM] is timed by [PreciseTimer]. Any other clock (virtual time under
 * `runTest`) is waited on with `delay`, which only a coroutine can do: [canPark] is then false
 * and Java's blocking calls wait in a coroutine instead.
 */
internal class WaitTimer(private val clock: LimiterClock) {
    private val waker: WakingClock? = clock as? WakingClock ?: PreciseTimer.takeIf { clock === LimiterClock.SYSTEM }

    /** Whether [park] can be used: the clock can wake a parked thread. */
    val canPark: Boolean get() = waker != null

    /** Suspends until the clock reaches [untilMicros] or [signal] is woken. */
    suspend fun sleep(signal: WaitSignal, untilMicros: Long) {
        if (untilMicros == Long.MAX_VALUE) return signal.await()
        val waker = waker
        if (waker != null) {
            val cancel = waker.wakeAt(toNanos(untilMicros), signal)
            try {
                signal.await()
            } finally {
                cancel.run()
            }
            return
        }
        val left = untilMicros - clock.nowMicros()
        if (left > 0) withTimeoutOrNull(left.microseconds) { signal.await() }
    }

    /**
     * Parks the calling thread until the clock reaches [untilMicros] or [signal] is woken; may
     * return early. On the system clock the thread parks itself (no timer needed) and spins
     * through waits shorter than [SPIN_NANOS].
     */
    fun park(signal: WaitSignal, untilMicros: Long) {
        if (untilMicros == Long.MAX_VALUE) return signal.park(0)
        val until = toNanos(untilMicros)
        if (clock === LimiterClock.SYSTEM) {
            val left = until - clock.nowNanos()
            if (left >= SPIN_NANOS) return signal.park(left)
            while (clock.nowNanos() < until && !signal.isPending()) Thread.onSpinWait()
            return
        }
        val cancel = checkNotNull(waker) { "park needs a clock that can wake threads; check canPark" }.wakeAt(until, signal)
        try {
            signal.park(0)
        } finally {
            cancel.run()
        }
    }

    /**
     * Watches [signal] until it is woken (taking the wake) or the clock reaches [untilMicros],
     * for at most [SPIN_NANOS]: for a wake due within microseconds, which a parked thread would
     * only notice tens of microseconds later. Yields the CPU between looks rather than spinning
     * hot, which on two cores took it from the thread about to wake this one. Only on the
     * system clock; elsewhere it parks.
     */
    fun spin(signal: WaitSignal, untilMicros: Long) {
        if (clock !== LimiterClock.SYSTEM) return park(signal, untilMicros)
        val until = minOf(toNanos(untilMicros), clock.nowNanos() + SPIN_NANOS)
        val thread = Thread.currentThread()
        while (clock.nowNanos() < until && !thread.isInterrupted) {
            if (signal.isPending()) {
                signal.takeWake()
                return
            }
            Thread.yield()
        }
    }

    /** Whether a wait until [untilMicros] is short enough that [park] spins through it. */
    fun spins(untilMicros: Long): Boolean =
        clock === LimiterClock.SYSTEM && toNanos(untilMicros) - clock.nowNanos() < SPIN_NANOS

    private fun toNanos(micros: Long): Long = if (micros > Long.MAX_VALUE / 1_000) Long.MAX_VALUE else micros * 1_000

    private companion object {
        /**
         * Waits on the system clock shorter than this spin: `parkNanos` overshoots by tens of
         * microseconds, longer than the gap between grants at 100,000 permits/s.
         */
        const val SPIN_NANOS = 50_000L
    }
}
