package dev.limiter.internal

import kotlinx.coroutines.channels.Channel

/**
 * The waiters for one key, served by priority (higher first), first come first served
 * within a priority.
 *
 * With aging on, a waiter's priority grows by one for every `agingMicros` it has waited, so
 * it cannot be starved forever; aging only raises waiters already queued, so a new arrival
 * still never passes a waiter of equal or higher priority. The queue is a plain list scanned
 * for its best waiter: it is touched only on the slow path, when requests actually wait.
 */
internal class WaitQueue(private val agingMicros: Long) {
    private val waiters = ArrayList<Waiter>()
    private var sequence = 0L

    @Synchronized
    fun add(priority: Int, permits: Long, now: Long): Waiter =
        Waiter(priority, permits, now, sequence++).also { waiters.add(it) }

    /** Removes [waiter]; returns the new best waiter if [waiter] was the best, so it can be woken. */
    @Synchronized
    fun remove(waiter: Waiter, now: Long): Waiter? {
        val wasBest = best(now) === waiter
        waiters.remove(waiter)
        return if (wasBest) best(now) else null
    }

    @Synchronized
    fun isBest(waiter: Waiter, now: Long): Boolean = best(now) === waiter

    /** Whether a waiter of [priority] or higher is queued: a new request of [priority] must not pass it. */
    @Synchronized
    fun hasWaiterAtOrAbove(priority: Int, now: Long): Boolean = waiters.any { effective(it, now) >= priority }

    /** Permits wanted by the waiters of [priority] or higher. */
    @Synchronized
    fun permitsAtOrAbove(priority: Int, now: Long): Long =
        waiters.sumOf { if (effective(it, now) >= priority) it.permits else 0L }

    @Synchronized
    fun isEmpty(): Boolean = waiters.isEmpty()

    @Synchronized
    fun wakeAll() {
        for (w in waiters) w.wake.trySend(Unit)
    }

    private fun best(now: Long): Waiter? {
        var best: Waiter? = null
        var bestPriority = Long.MIN_VALUE
        for (w in waiters) {
            val p = effective(w, now)
            if (best == null || p > bestPriority || (p == bestPriority && w.sequence < best.sequence)) {
                best = w
                bestPriority = p
            }
        }
        return best
    }

    private fun effective(w: Waiter, now: Long): Long =
        if (agingMicros == 0L) w.priority.toLong() else w.priority + maxOf(0, now - w.enqueuedAt) / agingMicros

    class Waiter(val priority: Int, val permits: Long, val enqueuedAt: Long, val sequence: Long) {
        /** Signalled when the waiter may have become the best, or the limiter closed. */
        val wake = Channel<Unit>(Channel.CONFLATED)
    }
}
