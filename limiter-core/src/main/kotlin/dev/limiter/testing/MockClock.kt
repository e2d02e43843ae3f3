package dev.limiter.testing

import dev.limiter.WakingClock
import java.time.Duration
import java.time.Instant
import java.util.PriorityQueue

/**
 * A clock that moves only when told to: [set] and [advance].
 *
 * Limiters on a mock clock wait on it (it is a [WakingClock]): moving the clock wakes, in
 * order, every waiter whose time has come, so a test can walk a queue through its grants one
 * refill at a time.
 * Thread-safe. The clock never moves by itself.
 */
public class MockClock @JvmOverloads constructor(start: Instant = DEFAULT_START) : WakingClock {
    private val lock = Any()
    private var now: Long = toNanos(start)
    private val sleepers = PriorityQueue<Sleeper>(compareBy<Sleeper> { it.deadline }.thenBy { it.order })
    private var order = 0L

    override fun nowNanos(): Long = synchronized(lock) { now }

    /** Returns the current time as an [Instant]. */
    public fun instant(): Instant = synchronized(lock) { fromNanos(now) }

    /**
     * Moves the clock to [timestamp] and wakes the waiters whose time has come.
     *
     * @throws IllegalArgumentException when [timestamp] is earlier than the current time.
     */
    public fun set(timestamp: Instant) {
        val target = toNanos(timestamp)
        val due = synchronized(lock) {
            require(target >= now) {
                "a MockClock only moves forward: cannot set it to $timestamp, it reads ${fromNanos(now)}"
            }
            now = target
            drainDue()
        }
        due.forEach { it.run() }
    }

    /** Moves the clock forward by [duration] and wakes the waiters whose time has come. */
    public fun advance(duration: Duration) {
        require(!duration.isNegative) { "a MockClock only moves forward: cannot advance by $duration" }
        val due = synchronized(lock) {
            now = Math.addExact(now, duration.toNanos())
            drainDue()
        }
        due.forEach { it.run() }
    }

    /** Kotlin form of [advance]. */
    @JvmSynthetic
    public fun advance(duration: kotlin.time.Duration): Unit = advance(Duration.ofNanos(duration.inWholeNanoseconds))

    /** Number of wake-ups pending on this clock: limiter waiters sleeping until a later time. */
    public val waiters: Int get() = synchronized(lock) { sleepers.size }

    /** Runs [wake] when the clock is moved to [deadlineNanos] or later; at once if it reads that already. */
    override fun wakeAt(deadlineNanos: Long, wake: Runnable): Runnable {
        val sleeper = synchronized(lock) {
            if (now >= deadlineNanos) null else Sleeper(deadlineNanos, order++, wake).also { sleepers.add(it) }
        }
        if (sleeper == null) {
            wake.run()
            return Runnable {}
        }
        return Runnable { synchronized(lock) { sleepers.remove(sleeper) } }
    }

    private fun drainDue(): List<Runnable> {
        val due = ArrayList<Runnable>()
        while (sleepers.isNotEmpty() && sleepers.peek().deadline <= now) due.add(sleepers.poll().wake)
        return due
    }

    override fun toString(): String = "MockClock(${instant()})"

    private class Sleeper(val deadline: Long, val order: Long, val wake: Runnable)

    public companion object {
        /** Where a mock clock starts unless told otherwise: 2026-01-01T00:00:00Z. */
        @JvmField
        public val DEFAULT_START: Instant = Instant.parse("2026-01-01T00:00:00Z")

        internal fun toNanos(i: Instant): Long = Math.addExact(Math.multiplyExact(i.epochSecond, 1_000_000_000L), i.nano.toLong())

        internal fun fromNanos(n: Long): Instant =
            Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L))
    }
}
