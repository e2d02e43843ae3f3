package dev.limiter.internal

import java.util.TreeMap

/**
 * The waiters for one key, served by priority (higher first), first come first served
 * within a priority.
 *
 * With aging on, a waiter's priority grows by one for every `agingMicros` it has waited, so
 * it cannot be starved forever; aging only raises waiters already queued, so a new arrival
 * still never passes a waiter of equal or higher priority.
 *
 * One first-in-first-out list per priority, kept in a map ordered by priority. Within a
 * priority the oldest waiter always ranks highest, aged or not, so the best waiter is the
 * head of one of the lists: without aging the head of the highest priority (O(log P) for P
 * priorities in use), with aging the best of the P heads. Adding is O(log P), removing any
 * waiter (granted, timed out or cancelled) O(1) plus O(log P) when its list empties: no
 * operation walks the waiters, so 100,000 waiters on a key drain in linear time.
 */
internal class WaitQueue(private val agingMicros: Long) {
    private val byPriority = TreeMap<Int, Fifo>()
    private var sequence = 0L
    private var size = 0

    /** Queues a waiter; [parks] when it is a thread that parks (a Java blocking call), not a coroutine. */
    @Synchronized
    fun add(priority: Int, permits: Long, now: Long, parks: Boolean = false): Waiter {
        val waiter = Waiter(this, priority, permits, now, sequence++, parks)
        byPriority.getOrPut(priority) { Fifo() }.append(waiter)
        size++
        return waiter
    }

    /** Removes [waiter]; returns the new best waiter if [waiter] was the best, so it can be woken. */
    @Synchronized
    fun remove(waiter: Waiter, now: Long): Waiter? {
        val fifo = waiter.fifo ?: return null
        val wasBest = best(now) === waiter
        fifo.unlink(waiter)
        if (fifo.head == null) byPriority.remove(waiter.priority)
        size--
        return if (wasBest) best(now) else null
    }

    @Synchronized
    fun isBest(waiter: Waiter, now: Long): Boolean = best(now) === waiter

    /**
     * The waiter whose turn comes after [head]'s, when [head] is the best; `null` when there is
     * none or aging is on (aged ranks move with time, so the next turn is not known in advance).
     */
    @Synchronized
    fun successor(head: Waiter, now: Long): Waiter? {
        if (agingMicros != 0L || head.fifo == null || best(now) !== head) return null
        head.next?.let { return it }
        val lower = byPriority.lowerKey(head.priority) ?: return null
        return byPriority[lower]!!.head
    }

    /** Whether a waiter of [priority] or higher is queued: a new request of [priority] must not pass it. */
    @Synchronized
    fun hasWaiterAtOrAbove(priority: Int, now: Long): Boolean {
        if (agingMicros == 0L) return byPriority.isNotEmpty() && byPriority.lastKey() >= priority
        return byPriority.values.any { effective(it.head!!, now) >= priority }
    }

    /**
     * Permits wanted by the waiters of [priority] or higher, counted up to [cap] (the answer
     * is only ever compared with the bucket's capacity, so the count stops there).
     */
    @Synchronized
    fun permitsAtOrAbove(priority: Int, now: Long, cap: Long): Long {
        var sum = 0L
        if (agingMicros == 0L) {
            for (fifo in byPriority.tailMap(priority, true).values) {
                sum += fifo.permits
                if (sum >= cap) return cap
            }
            return sum
        }
        // Aged priority falls along each list (older first), so each walk stops at the first
        // waiter below [priority].
        for (fifo in byPriority.values) {
            var w = fifo.head
            while (w != null && effective(w, now) >= priority) {
                sum += w.permits
                if (sum >= cap) return cap
                w = w.next
            }
        }
        return sum
    }

    @Synchronized
    fun isEmpty(): Boolean = size == 0

    @Synchronized
    fun size(): Int = size

    /** Wakes every waiter (reset, close): each re-checks its turn. */
    @Synchronized
    fun wakeAll() {
        for (fifo in byPriority.values) {
            var w = fifo.head
            while (w != null) {
                w.wake()
                w = w.next
            }
        }
    }

    private fun best(now: Long): Waiter? {
        if (byPriority.isEmpty()) return null
        if (agingMicros == 0L) return byPriority[byPriority.lastKey()]!!.head // lastEntry() would allocate
        var best: Waiter? = null
        var bestPriority = Long.MIN_VALUE
        for (fifo in byPriority.values) {
            val w = fifo.head!!
            val p = effective(w, now)
            if (best == null || p > bestPriority || (p == bestPriority && w.sequence < best.sequence)) {
                best = w
                bestPriority = p
            }
        }
        return best
    }

    private fun effective(w: Waiter, now: Long): Long = w.priority + maxOf(0, now - w.enqueuedAt) / agingMicros

    /**
     * One waiter, linked into its priority's list while queued; as a [WaitSignal] it is woken
     * when it may have become the best, or the limiter closed.
     */
    class Waiter(
        val queue: WaitQueue,
        val priority: Int,
        val permits: Long,
        val enqueuedAt: Long,
        val sequence: Long,
        /** A parked thread, not a coroutine: only such a waiter watches for its turn ([turnSoon]). */
        val parks: Boolean,
    ) : WaitSignal() {
        internal var fifo: Fifo? = null
        internal var prev: Waiter? = null
        internal var next: Waiter? = null

        /**
         * Set by the waiter ahead when its own grant is moments away: the turn passes to this
         * waiter next, so it watches for it instead of parking (see [WaitTimer.spin]).
         */
        @Volatile
        @JvmField
        var turnSoon = false
    }

    /** The waiters of one priority, oldest first, doubly linked so any of them leaves in O(1). */
    class Fifo {
        var head: Waiter? = null
        private var tail: Waiter? = null
        var permits = 0L

        fun append(w: Waiter) {
            w.fifo = this
            w.prev = tail
            if (tail == null) head = w else tail!!.next = w
            tail = w
            permits += w.permits
        }

        fun unlink(w: Waiter) {
            if (w.prev == null) head = w.next else w.prev!!.next = w.next
            if (w.next == null) tail = w.prev else w.next!!.prev = w.prev
            w.prev = null
            w.next = null
            w.fifo = null
            permits -= w.permits
        }
    }
}
