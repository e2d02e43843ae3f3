package dev.limiter.internal

import dev.limiter.LimiterClock
import dev.limiter.WakingClock
import java.util.PriorityQueue
import java.util.concurrent.locks.LockSupport

/**
 * Wake-ups on the system clock, to the microsecond: [LimiterClock.SYSTEM] made a [WakingClock].
 *
 * `delay` rounds up to whole milliseconds, so a waiter for a bucket that refills every 10 µs
 * would be served a thousand times a second at most. Wake-ups are kept here instead, in one
 * heap, by one daemon thread that parks until the earliest with `parkNanos` and runs it: an
 * O(log n) insert per sleep and no coroutine per sleeper. Cancelled wake-ups are only marked,
 * and swept when they outnumber the live ones, so cancelling is O(1) and the heap stays at
 * most twice the live count. Deadlines are on [LimiterClock.SYSTEM], which advances with the
 * JVM's monotonic nano clock.
 */
internal object PreciseTimer : WakingClock {
    private val lock = Any()
    private val due = PriorityQueue<Entry>(compareBy<Entry> { it.deadline }.thenBy { it.order })
    private var order = 0L
    private var cancelled = 0
    private val thread: Thread by lazy {
        Thread(::run, "limiter-precise-timer").apply {
            isDaemon = true
            start()
        }
    }

    override fun nowNanos(): Long = LimiterClock.SYSTEM.nowNanos()

    override fun wakeAt(deadlineNanos: Long, wake: Runnable): Runnable {
        if (deadlineNanos - nowNanos() <= 0) {
            wake.run()
            return Runnable {}
        }
        val entry = Entry(deadlineNanos, wake)
        val first = synchronized(lock) {
            entry.order = order++
            due.add(entry)
            due.peek() === entry
        }
        if (first) LockSupport.unpark(thread) // started on first use
        return entry
    }

    private fun run() {
        val ready = ArrayList<Runnable>()
        while (true) {
            var parkFor = Long.MAX_VALUE
            synchronized(lock) {
                val now = nowNanos()
                while (due.isNotEmpty()) {
                    val next = due.peek()
                    if (next.cancelled) {
                        due.poll()
                        cancelled--
                        continue
                    }
                    val left = next.deadline - now
                    if (left > 0) {
                        parkFor = left
                        break
                    }
                    due.poll().also { it.cancelled = true }.wake.let(ready::add)
                }
            }
            for (wake in ready) runCatching { wake.run() }
            if (ready.isEmpty()) {
                if (parkFor == Long.MAX_VALUE) LockSupport.park(this) else LockSupport.parkNanos(this, parkFor)
            }
            ready.clear()
        }
    }

    private fun cancel(entry: Entry) = synchronized(lock) {
        if (entry.cancelled) return@synchronized
        entry.cancelled = true
        if (++cancelled > 64 && cancelled > due.size / 2) {
            due.removeIf { it.cancelled }
            cancelled = 0
        }
    }

    /** One wake-up; running it cancels it. */
    private class Entry(val deadline: Long, val wake: Runnable) : Runnable {
        var order = 0L
        var cancelled = false // guarded by lock

        override fun run() = cancel(this)
    }
}
