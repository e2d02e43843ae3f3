package dev.limiter.internal

import dev.limiter.BlockingRateLimiter
import dev.limiter.BucketSnapshot
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyScopedRateLimiter
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.LocalBucketStore
import dev.limiter.LimiterClock
import dev.limiter.LimiterClosedException
import dev.limiter.LimiterListener
import dev.limiter.RateLimiter
import dev.limiter.ScopedRateLimiter
import dev.limiter.UsageStats
import dev.limiter.nowMicros
import kotlinx.coroutines.runBlocking
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration

/**
 * The limiter: asks the store for permits, and queues the requests that may wait.
 *
 * The queue sits above the store, one [WaitQueue] per key with waiters. Only the best waiter
 * of a key asks the store; when refused it sleeps until the store's `retryAfter` (on the
 * limiter's clock), and when granted it leaves and wakes the next best, and only that one.
 * Everyone else sleeps until woken or until its deadline. Sleeps are timed by [WaitTimer]. Java's blocking calls wait the same way on their own thread ([queueRequestBlocking]):
 * parked, with no coroutine.
 */
internal class QueueingRateLimiter(
    override val policy: LimitPolicy,
    private val store: BucketStore,
    private val clock: LimiterClock,
    private val maxQueueSize: Int,
    private val agingMicros: Long,
    private val listener: LimiterListener,
) : RateLimiter {
    private val queues = ConcurrentHashMap<String, WaitQueue>()
    private val newQueue = java.util.function.Function<String, WaitQueue> { WaitQueue(agingMicros) } // one lambda, not one per join
    private val waiting = AtomicInteger()
    private val usage = UsageRecorder()
    private val localStore = store as? LocalBucketStore
    private val blocking = BlockingRateLimiter(this)
    private val timer = WaitTimer(clock)

    @Volatile
    private var closed = false

    /** The non-suspending fast path; `null` when the request needs the suspending path. */
    fun tryAcquireNow(key: String, permits: Long): Decision? {
        checkRequest(permits)
        if (waiting.get() != 0 && queues[key] != null) return null
        val now = clock.nowMicros()
        val local = localStore ?: return consumeNowAndRecord(key, permits, now)
        // The store counts the decision in the key's entry: one map lookup in all.
        val decision = local.tryConsumeNow(key, policy, permits, now, usage) ?: return null
        listener.onDecision(policy, decision, java.time.Duration.ZERO, false)
        return decision
    }

    // Any other store; out of line so that the local path stays small enough to inline.
    private fun consumeNowAndRecord(key: String, permits: Long, now: Long): Decision? {
        val decision = store.tryConsumeNow(key, policy, permits, now) ?: return null
        record(decision, permits, now, 0, false)
        return decision
    }

    // The suspending call is in tail position only, so the fast path allocates no continuation.
    override suspend fun tryAcquire(key: String, permits: Long): Decision =
        tryAcquireNow(key, permits) ?: tryAcquireSlowly(key, permits)

    private suspend fun tryAcquireSlowly(key: String, permits: Long): Decision {
        val now = clock.nowMicros()
        val queue = queues[key]
        // The key's counters are found before the store suspends, on the caller's thread: a
        // remote store resumes on its client's one I/O thread, which then only counts.
        val counters = usage.countersOf(key)
        val decision = if (queue != null && queue.hasWaiterAtOrAbove(0, now)) {
            behindWaiters(key, queue, 0, permits, now, DenyReason.LIMITED)
        } else {
            store.tryConsume(key, policy, permits, now)
        }
        usage.record(counters, decision, permits, now)
        listener.onDecision(policy, decision, java.time.Duration.ZERO, false)
        return decision
    }

    override suspend fun acquire(key: String, permits: Long, maxWait: Duration): Decision =
        queueRequest(key, 0, maxWait, permits)

    override suspend fun queueRequest(key: String, priority: Int, maxWait: Duration, permits: Long): Decision {
        checkRequest(permits)
        val start = clock.nowMicros()
        val budget = budget(maxWait)
        val deadline = if (budget > Long.MAX_VALUE - start) Long.MAX_VALUE else start + budget

        if (mayPass(key, priority, start)) {
            val decision = store.tryConsume(key, policy, permits, start)
            answeredAtOnce(decision, permits, start, budget)?.let { return it }
        }
        if (!enter()) return queueFull(key, permits, start, store.inspect(key, policy, permits, start))
        val waiter = join(key, priority, permits, start)
        val queue = waiter.queue
        try {
            val decision = wait(key, queue, waiter, deadline)
            record(decision, permits, clock.nowMicros(), clock.nowMicros() - start, true)
            return decision
        } finally {
            leave(key, queue, waiter)
        }
    }

    /**
     * [queueRequest] for a Java thread: the same queue, waited in on the calling thread, which
     * is parked (spinning only for waits shorter than a park's precision), with no coroutine.
     * Store calls use [BucketStore.tryConsumeNow], falling back to `runBlocking` for a store
     * that must suspend. Returns `null` when the clock can neither park nor wake a thread (a
     * virtual clock): the caller then waits in a coroutine.
     *
     * @throws InterruptedException when the thread is interrupted; the waiter leaves the queue
     *   and consumes nothing.
     */
    fun queueRequestBlocking(key: String, priority: Int, maxWait: Duration, permits: Long): Decision? {
        if (!timer.canPark) return null
        checkRequest(permits)
        if (Thread.interrupted()) throw InterruptedException()
        val start = clock.nowMicros()
        val budget = budget(maxWait)
        val deadline = if (budget > Long.MAX_VALUE - start) Long.MAX_VALUE else start + budget

        if (mayPass(key, priority, start)) {
            answeredAtOnce(consumeNow(key, permits, start), permits, start, budget)?.let { return it }
        }
        if (!enter()) return queueFull(key, permits, start, runBlocking { store.inspect(key, policy, permits, start) })
        val waiter = join(key, priority, permits, start, parks = true)
        val queue = waiter.queue
        try {
            val decision = park(key, queue, waiter, deadline)
            record(decision, permits, clock.nowMicros(), clock.nowMicros() - start, true)
            return decision
        } finally {
            leave(key, queue, waiter)
        }
    }

    private fun park(key: String, queue: WaitQueue, waiter: WaitQueue.Waiter, deadline: Long): Decision {
        var told: WaitQueue.Waiter? = null
        while (true) {
            if (closed) throw closedException()
            if (Thread.interrupted()) throw InterruptedException()
            val now = clock.nowMicros()
            if (queue.isBest(waiter, now)) {
                if (waiter.turnSoon) waiter.turnSoon = false
                val decision = consumeNow(key, waiter.permits, now)
                if (decision.allowed) return decision
                val retryAt = now + decision.retryAfterMicros
                if (retryAt > deadline) return decision.deny(DenyReason.QUEUE_TIMEOUT)
                if (timer.spins(retryAt)) told = tellSuccessor(queue, waiter, now, told)
                timer.park(waiter, retryAt)
            } else {
                if (now >= deadline) {
                    return runBlocking { behindWaiters(key, queue, waiter.priority, waiter.permits, now, DenyReason.QUEUE_TIMEOUT) }
                }
                if (waiter.turnSoon) {
                    waiter.turnSoon = false
                    timer.spin(waiter, deadline)
                } else {
                    timer.park(waiter, deadline)
                }
            }
        }
    }

    /**
     * Wakes the waiter next in line when [head]'s grant is microseconds away, so that it watches
     * for its turn instead of parking: a parked thread takes longer to wake on a busy machine
     * than the gap between refills at high rates, and every microsecond the turn sits with a
     * sleeping thread is a refill that a full bucket throws away. Tells each successor once.
     */
    private fun tellSuccessor(queue: WaitQueue, head: WaitQueue.Waiter, now: Long, told: WaitQueue.Waiter?): WaitQueue.Waiter? {
        val next = queue.successor(head, now) ?: return told
        // A coroutine would only be resumed to find it is not its turn yet.
        if (next === told || !next.parks) return told
        next.turnSoon = true
        next.wake()
        return next
    }

    private fun consumeNow(key: String, permits: Long, now: Long): Decision =
        store.tryConsumeNow(key, policy, permits, now) ?: runBlocking { store.tryConsume(key, policy, permits, now) }

    /** Whether a request of [priority] may go to the store now: no waiter of its priority or higher is ahead. */
    private fun mayPass(key: String, priority: Int, now: Long): Boolean {
        val existing = queues[key]
        return existing == null || !existing.hasWaiterAtOrAbove(priority, now)
    }

    /** The answer to a request that need not queue: granted, or refused because no grant fits [budget]. */
    private fun answeredAtOnce(decision: Decision, permits: Long, now: Long, budget: Long): Decision? {
        if (!decision.allowed && decision.retryAfterMicros <= budget) return null
        val answer = if (decision.allowed) decision else decision.deny(DenyReason.QUEUE_TIMEOUT)
        record(answer, permits, now, 0, false)
        return answer
    }

    private fun queueFull(key: String, permits: Long, now: Long, snapshot: BucketSnapshot): Decision =
        denied(key, snapshot.retryAfterMicros, snapshot.resetAfterMicros, snapshot.remaining, DenyReason.QUEUE_FULL)
            .also { record(it, permits, now, 0, false) }

    private fun budget(maxWait: Duration): Long =
        if (maxWait.isInfinite()) Long.MAX_VALUE else maxWait.inWholeMicroseconds.coerceAtLeast(0)

    /** Counts a new waiter against [maxQueueSize]; false when the queue is full. */
    private fun enter(): Boolean {
        if (waiting.incrementAndGet() > maxQueueSize) {
            waiting.decrementAndGet()
            return false
        }
        reportDepth()
        return true
    }

    /**
     * Tells the listener the queue's depth. Two callers that change it at once may report in
     * the other order, leaving a stale count published; each therefore reads the depth again
     * after reporting and reports again until what it reported is current, so the last report
     * always matches the queue.
     */
    private fun reportDepth() {
        var depth = waiting.get()
        while (true) {
            listener.onQueueDepth(policy, depth)
            val now = waiting.get()
            if (now == depth) return
            depth = now
        }
    }

    private fun join(key: String, priority: Int, permits: Long, now: Long, parks: Boolean = false): WaitQueue.Waiter {
        while (true) {
            val candidate = queues[key] ?: queues.computeIfAbsent(key, newQueue)
            // Join only a queue still registered: one emptied and dropped meanwhile is dead.
            val joined = synchronized(candidate) {
                if (queues[key] === candidate) candidate.add(priority, permits, now, parks) else null
            } ?: continue
            return joined
        }
    }

    private suspend fun wait(key: String, queue: WaitQueue, waiter: WaitQueue.Waiter, deadline: Long): Decision {
        while (true) {
            if (closed) throw closedException()
            val now = clock.nowMicros()
            if (queue.isBest(waiter, now)) {
                val decision = store.tryConsume(key, policy, waiter.permits, now)
                if (decision.allowed) return decision
                val retryAt = now + decision.retryAfterMicros
                if (retryAt > deadline) return decision.deny(DenyReason.QUEUE_TIMEOUT)
                timer.sleep(waiter, retryAt)
            } else {
                if (now >= deadline) {
                    return behindWaiters(key, queue, waiter.priority, waiter.permits, now, DenyReason.QUEUE_TIMEOUT)
                }
                timer.sleep(waiter, deadline)
            }
        }
    }

    private fun leave(key: String, queue: WaitQueue, waiter: WaitQueue.Waiter) {
        val next = queue.remove(waiter, clock.nowMicros())
        next?.wake()
        waiting.decrementAndGet()
        reportDepth()
        synchronized(queue) { if (queue.isEmpty()) queues.remove(key, queue) }
    }

    /** A refusal for a request that must let the waiters ahead of it go first. */
    private suspend fun behindWaiters(
        key: String, queue: WaitQueue, priority: Int, permits: Long, now: Long, reason: DenyReason,
    ): Decision {
        val ahead = (queue.permitsAtOrAbove(priority, now, policy.capacity) + permits).coerceAtMost(policy.capacity)
        val snapshot = store.inspect(key, policy, ahead, now)
        return denied(key, maxOf(1, snapshot.retryAfterMicros), snapshot.resetAfterMicros, snapshot.remaining, reason)
    }

    private fun denied(key: String, retryAfter: Long, resetAfter: Long, remaining: Long, reason: DenyReason): Decision =
        Decision.fromMicros(false, remaining, policy.capacity, retryAfter, resetAfter, key, reason)

    override suspend fun tokenCount(key: String): Double =
        store.inspect(key, policy, 1, clock.nowMicros()).tokens

    override suspend fun remainingQuota(key: String): Long =
        store.inspect(key, policy, 1, clock.nowMicros()).remaining

    override suspend fun nextAvailableTimestamp(key: String, permits: Long): Instant {
        checkRequest(permits)
        val nowNanos = clock.nowNanos()
        val wait = store.inspect(key, policy, permits, Math.floorDiv(nowNanos, 1_000L)).retryAfterMicros
        return instant(nowNanos + wait * 1_000)
    }

    override suspend fun reset(key: String) {
        store.reset(key, policy)
        queues[key]?.wakeAll()
    }

    override fun usageStats(): UsageStats = usage.stats(waiting.get())

    override fun usageStats(key: String): KeyUsage = usage.keyUsage(key)

    override fun scopeByKey(key: String): ScopedRateLimiter = KeyScopedRateLimiter(this, key)

    override fun asBlocking(): BlockingRateLimiter = blocking

    override fun close() {
        closed = true
        for (queue in queues.values) queue.wakeAll()
    }

    override fun toString(): String = "RateLimiter(policy=$policy, store=$store)"

    private fun record(decision: Decision, permits: Long, now: Long, waited: Long, queued: Boolean) {
        usage.record(decision, permits, now, waited, queued)
        listener.onDecision(policy, decision, LimiterListener.waited(waited), queued)
    }

    private fun checkRequest(permits: Long) {
        if (closed) throw closedException()
        require(permits >= 1) { "permits must be at least 1, was $permits" }
        require(permits <= policy.capacity) {
            "permits $permits can never be granted: the policy $policy holds at most ${policy.capacity}; " +
                "ask for at most ${policy.capacity} or raise the policy's capacity"
        }
    }

    private fun closedException() = LimiterClosedException("the rate limiter for $policy is closed")

    private fun instant(epochNanos: Long): Instant =
        Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L))
}
