package dev.limiter.internal

import dev.limiter.LimiterClock
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import java.util.PriorityQueue
import java.util.concurrent.locks.LockSupport
import kotlin.coroutines.resume

/**
 * Sleeps of less than a couple of milliseconds on the system clock, to the microsecond.
 *
 * `delay` rounds up to whole milliseconds, so a waiter for a bucket that refills every 10 µs
 * would be served a thousand times a second at most. Short sleeps are parked instead on one
 * daemon thread that wakes at each deadline with `parkNanos` and resumes the waiter on its
 * own dispatcher. Longer sleeps still use `delay`, which costs no thread. Deadlines are on
 * [LimiterClock.SYSTEM], which advances with the JVM's monotonic nano clock.
 */
internal object PreciseTimer {
    /** Sleeps shorter than this are parked here; longer ones use `delay`. */
    const val THRESHOLD_NANOS: Long = 2_000_000

    private val lock = Any()
    private val due = PriorityQueue<Sleeper>(compareBy<Sleeper> { it.deadline }.thenBy { it.order })
    private var order = 0L
    private val thread: Thread by lazy {
        Thread(::run, "limiter-precise-timer").apply {
            isDaemon = true
            start()
        }
    }

    /** Suspends until [LimiterClock.SYSTEM] reads [deadline] (epoch nanoseconds) or later. */
    suspend fun sleepUntil(deadline: Long) {
        if (deadline - LimiterClock.SYSTEM.nowNanos() <= 0) return
        suspendCancellableCoroutine { cont ->
            val sleeper = Sleeper(deadline, cont)
            val wakeTimer = synchronized(lock) {
                sleeper.order = order++
                due.add(sleeper)
                due.peek() === sleeper
            }
            cont.invokeOnCancellation { synchronized(lock) { due.remove(sleeper) } }
            val timer = thread // started on first use
            if (wakeTimer) LockSupport.unpark(timer)
        }
    }

    private fun run() {
        while (true) {
            val ready = ArrayList<Sleeper>()
            var parkFor = Long.MAX_VALUE
            synchronized(lock) {
                val now = LimiterClock.SYSTEM.nowNanos()
                while (due.isNotEmpty()) {
                    val next = due.peek()
                    val left = next.deadline - now
                    if (left > 0) {
                        parkFor = left
                        break
                    }
                    ready.add(due.poll())
                }
            }
            for (sleeper in ready) sleeper.continuation.resume(Unit)
            if (ready.isEmpty()) {
                if (parkFor == Long.MAX_VALUE) LockSupport.park(this) else LockSupport.parkNanos(this, parkFor)
            }
        }
    }

    private class Sleeper(val deadline: Long, val continuation: CancellableContinuation<Unit>) {
        var order = 0L
    }
}
