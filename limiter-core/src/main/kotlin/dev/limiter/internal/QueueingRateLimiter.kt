package dev.limiter.internal

import dev.limiter.BlockingRateLimiter
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyScopedRateLimiter
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.LimiterClosedException
import dev.limiter.LimiterListener
import dev.limiter.RateLimiter
import dev.limiter.ScopedRateLimiter
import dev.limiter.UsageStats
import dev.limiter.nowMicros
import dev.limiter.testing.MockClock
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.microseconds

/**
 * The limiter: asks the store for permits, and queues the requests that may wait.
 *
 * The queue sits above the store, one [WaitQueue] per key with waiters. Only the best waiter
 * of a key asks the store; when refused it sleeps until the store's `retryAfter` (on the
 * limiter's clock), and when granted it leaves and wakes the next best. Everyone else sleeps
 * until woken or until its deadline.
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
    private val waiting = AtomicInteger()
    private val usage = UsageRecorder()
    private val blocking = BlockingRateLimiter(this)

    @Volatile
    private var closed = false

    /** The non-suspending fast path; `null` when the request needs the suspending path. */
    fun tryAcquireNow(key: String, permits: Long): Decision? {
        checkRequest(permits)
        if (waiting.get() != 0 && queues[key] != null) return null
        val now = clock.nowMicros()
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
        val decision = if (queue != null && queue.hasWaiterAtOrAbove(0, now)) {
            behindWaiters(key, queue, 0, permits, now, DenyReason.LIMITED)
        } else {
            store.tryConsume(key, policy, permits, now)
        }
        record(decision, permits, now, 0, false)
        return decision
    }

    override suspend fun acquire(key: String, permits: Long, maxWait: Duration): Decision =
        queueRequest(key, 0, maxWait, permits)

    override suspend fun queueRequest(key: String, priority: Int, maxWait: Duration, permits: Long): Decision {
        checkRequest(permits)
        val start = clock.nowMicros()
        val budget = if (maxWait.isInfinite()) Long.MAX_VALUE else maxWait.inWholeMicroseconds.coerceAtLeast(0)
        val deadline = if (budget > Long.MAX_VALUE - start) Long.MAX_VALUE else start + budget

        val existing = queues[key]
        if (existing == null || !existing.hasWaiterAtOrAbove(priority, start)) {
            val decision = store.tryConsume(key, policy, permits, start)
            if (decision.allowed || decision.retryAfterMicros > budget) {
                val answer = if (decision.allowed) decision else decision.deny(DenyReason.QUEUE_TIMEOUT)
                record(answer, permits, start, 0, false)
                return answer
            }
        }
        if (waiting.incrementAndGet() > maxQueueSize) {
            waiting.decrementAndGet()
            val full = store.inspect(key, policy, permits, start)
            return denied(key, full.retryAfterMicros, full.resetAfterMicros, full.remaining, DenyReason.QUEUE_FULL)
                .also { record(it, permits, start, 0, false) }
        }
        listener.onQueueDepth(policy, waiting.get())
        val queue: WaitQueue
        val waiter: WaitQueue.Waiter
        while (true) {
            val candidate = queues.computeIfAbsent(key) { WaitQueue(agingMicros) }
            // Join only a queue still registered: one emptied and dropped meanwhile is dead.
            val joined = synchronized(candidate) {
                if (queues[key] === candidate) candidate.add(priority, permits, start) else null
            } ?: continue
            queue = candidate
            waiter = joined
            break
        }
        try {
            val decision = wait(key, queue, waiter, deadline)
            record(decision, permits, clock.nowMicros(), clock.nowMicros() - start, true)
            return decision
        } finally {
            leave(key, queue, waiter)
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
                sleep(waiter, retryAt)
            } else {
                if (now >= deadline) {
                    return behindWaiters(key, queue, waiter.priority, waiter.permits, now, DenyReason.QUEUE_TIMEOUT)
                }
                sleep(waiter, deadline)
            }
        }
    }

    /** Sleeps until the clock reaches [untilMicros] or the waiter is woken, whichever comes first. */
    private suspend fun sleep(waiter: WaitQueue.Waiter, untilMicros: Long) {
        if (untilMicros == Long.MAX_VALUE) {
            waiter.wake.receive()
            return
        }
        coroutineScope {
            val timer = launch(start = CoroutineStart.UNDISPATCHED) {
                sleepUntil(untilMicros)
                waiter.wake.trySend(Unit)
            }
            waiter.wake.receive()
            timer.cancel()
        }
    }

    private suspend fun sleepUntil(untilMicros: Long) {
        val clock = clock
        if (clock is MockClock) {
            clock.awaitNanos(if (untilMicros > Long.MAX_VALUE / 1_000) Long.MAX_VALUE else untilMicros * 1_000)
            return
        }
        val left = untilMicros - clock.nowMicros()
        if (left <= 0) return
        // A short wait on the system clock can be parked to the microsecond; any other clock
        // (virtual time in tests) is waited on with delay.
        if (clock === LimiterClock.SYSTEM && left * 1_000 < PreciseTimer.THRESHOLD_NANOS) {
            PreciseTimer.sleepUntil(untilMicros * 1_000)
        } else {
            delay(left.microseconds)
        }
    }

    private fun leave(key: String, queue: WaitQueue, waiter: WaitQueue.Waiter) {
        val next = queue.remove(waiter, clock.nowMicros())
        next?.wake?.trySend(Unit)
        waiting.decrementAndGet()
        listener.onQueueDepth(policy, waiting.get())
        synchronized(queue) { if (queue.isEmpty()) queues.remove(key, queue) }
    }

    /** A refusal for a request that must let the waiters ahead of it go first. */
    private suspend fun behindWaiters(
        key: String, queue: WaitQueue, priority: Int, permits: Long, now: Long, reason: DenyReason,
    ): Decision {
        val ahead = (queue.permitsAtOrAbove(priority, now) + permits).coerceAtMost(policy.capacity)
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
        listener.onDecision(policy, decision, waited, queued)
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
