package dev.limiter

import dev.limiter.internal.QueueingRateLimiter
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.future.asCompletableFuture
import kotlinx.coroutines.runBlocking
import java.time.Instant
import java.util.concurrent.Callable
import java.util.concurrent.CompletableFuture
import kotlin.time.toKotlinDuration
import java.time.Duration as JavaDuration

/**
 * The blocking view of a [RateLimiter], for Java: same buckets, same queue.
 *
 * [tryAcquire] on an in-memory store answers on the calling thread without `runBlocking` or
 * a coroutine. Waiting calls park the calling thread in the limiter's queue (no coroutine; the
 * thread whose turn it is is unparked by the one before it or at the refill instant) and throw
 * [InterruptedException] when it is interrupted, leaving the queue without consuming anything. The `Async` forms return a
 * [CompletableFuture]; cancelling it removes the waiter.
 */
public class BlockingRateLimiter internal constructor(private val limiter: RateLimiter) : AutoCloseable {
    private val fast: QueueingRateLimiter? = limiter as? QueueingRateLimiter

    /** The policy every key follows. */
    public val policy: LimitPolicy get() = limiter.policy

    /** Takes one permit from [DEFAULT_KEY] now if available; never waits. */
    public fun tryAcquire(): Decision = tryAcquire(DEFAULT_KEY, 1)

    /** Takes one permit from [key] now if available; never waits. */
    public fun tryAcquire(key: String): Decision = tryAcquire(key, 1)

    /** Takes [permits] from [key] now if available; never waits. */
    public fun tryAcquire(key: String, permits: Long): Decision =
        fast?.tryAcquireNow(key, permits) ?: runBlocking { limiter.tryAcquire(key, permits) }

    /** [tryAcquire] without blocking the calling thread; see [tryAcquireAsync] with permits. */
    public fun tryAcquireAsync(key: String): CompletableFuture<Decision> = tryAcquireAsync(key, 1)

    /**
     * Takes [permits] from [key] now if available, without blocking the calling thread: for a
     * thread that must not wait for a Redis round trip (an event loop, a reactive pipeline).
     * An in-memory store answers at once with a completed future. A remote store's future
     * completes on its client's I/O thread, so continue with `thenApplyAsync` (or a similar
     * `Async` stage) before any work that blocks.
     */
    public fun tryAcquireAsync(key: String, permits: Long): CompletableFuture<Decision> {
        fast?.tryAcquireNow(key, permits)?.let { return CompletableFuture.completedFuture(it) }
        val future = CompletableFuture<Decision>()
        @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
        GlobalScope.launch(Dispatchers.Unconfined) {
            try {
                future.complete(limiter.tryAcquire(key, permits))
            } catch (e: Throwable) {
                future.completeExceptionally(e)
            }
        }
        return future
    }

    /** Waits as long as needed for one permit from [key]. */
    @Throws(InterruptedException::class)
    public fun acquire(key: String): Decision = wait(key, 0, kotlin.time.Duration.INFINITE, 1)

    /** Waits up to [maxWait] for [permits] from [key]; see [RateLimiter.acquire]. */
    @Throws(InterruptedException::class)
    public fun acquire(key: String, permits: Long, maxWait: JavaDuration): Decision =
        wait(key, 0, maxWait.toKotlinDuration(), permits)

    /** Waits by [priority] up to [maxWait] for one permit from [key]; see [RateLimiter.queueRequest]. */
    @Throws(InterruptedException::class)
    public fun queueRequest(key: String, priority: Int, maxWait: JavaDuration): Decision =
        wait(key, priority, maxWait.toKotlinDuration(), 1)

    /** Waits by [priority] up to [maxWait] for [permits] from [key]. */
    @Throws(InterruptedException::class)
    public fun queueRequest(key: String, priority: Int, maxWait: JavaDuration, permits: Long): Decision =
        wait(key, priority, maxWait.toKotlinDuration(), permits)

    /**
     * Waits by [priority] up to [maxWait] for a permit, then calls [request] on this thread.
     *
     * @throws RateLimitExceededException when no permit was granted within [maxWait].
     */
    @Throws(Exception::class)
    public fun <T> queueRequest(key: String, priority: Int, maxWait: JavaDuration, request: Callable<T>): T {
        val decision = queueRequest(key, priority, maxWait)
        if (!decision.allowed) throw RateLimitExceededException(decision)
        return request.call()
    }

    /** Queues for one permit from [key] without blocking; cancelling the future removes the waiter. */
    public fun queueRequestAsync(key: String, priority: Int, maxWait: JavaDuration): CompletableFuture<Decision> =
        queueRequestAsync(key, priority, maxWait, 1)

    /** Queues for [permits] from [key] without blocking; cancelling the future removes the waiter. */
    public fun queueRequestAsync(key: String, priority: Int, maxWait: JavaDuration, permits: Long): CompletableFuture<Decision> =
        async { limiter.queueRequest(key, priority, maxWait.toKotlinDuration(), permits) }

    /** Waits up to [maxWait] for [permits] from [key] without blocking; cancelling the future removes the waiter. */
    public fun acquireAsync(key: String, permits: Long, maxWait: JavaDuration): CompletableFuture<Decision> =
        async { limiter.acquire(key, permits, maxWait.toKotlinDuration()) }

    /** Returns the permits in [key]'s bucket now, exact and fractional for token buckets. */
    public fun getTokenCount(key: String): Double = runBlocking { limiter.tokenCount(key) }

    /** Returns how many requests of cost 1 [key] may make right now. */
    public fun getRemainingQuota(key: String): Long = runBlocking { limiter.remainingQuota(key) }

    /** Returns the instant at which one permit can be taken from [key]; now if it can be taken now. */
    public fun nextAvailableTimestamp(key: String): Instant = runBlocking { limiter.nextAvailableTimestamp(key, 1) }

    /** Returns the instant at which [permits] can be taken from [key]; now if they can be taken now. */
    public fun nextAvailableTimestamp(key: String, permits: Long): Instant =
        runBlocking { limiter.nextAvailableTimestamp(key, permits) }

    /** Forgets [key]'s bucket: the next request finds it full. */
    public fun reset(key: String): Unit = runBlocking { limiter.reset(key) }

    /** Returns counts across every key. */
    public fun getUsageStats(): UsageStats = limiter.usageStats()

    /** Returns counts for [key]. */
    public fun getUsageStats(key: String): KeyUsage = limiter.usageStats(key)

    /** Returns a blocking view bound to [key]. */
    public fun scopeByKey(key: String): Scoped = Scoped(this, key)

    /** Returns the suspending limiter behind this view, for Kotlin code. */
    public fun asSuspending(): RateLimiter = limiter

    /** Closes the limiter: pending waiters fail with [LimiterClosedException]. */
    override fun close(): Unit = limiter.close()

    override fun toString(): String = "BlockingRateLimiter($limiter)"

    private fun wait(key: String, priority: Int, maxWait: kotlin.time.Duration, permits: Long): Decision =
        fast?.queueRequestBlocking(key, priority, maxWait, permits)
            ?: block { limiter.queueRequest(key, priority, maxWait, permits) }

    private fun <T> block(body: suspend () -> T): T {
        if (Thread.interrupted()) throw InterruptedException()
        // runBlocking turns an interrupt into cancellation: the waiter leaves the queue, then
        // InterruptedException reaches the caller.
        return runBlocking { body() }
    }

    @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
    private fun <T> async(body: suspend () -> T): CompletableFuture<T> =
        GlobalScope.async(Dispatchers.Default, CoroutineStart.UNDISPATCHED) { body() }.asCompletableFuture()

    /** A [BlockingRateLimiter] bound to one [key]. */
    public class Scoped internal constructor(private val limiter: BlockingRateLimiter, public val key: String) {
        /** Takes one permit now if available. */
        public fun tryAcquire(): Decision = limiter.tryAcquire(key, 1)

        /** Takes [permits] now if available. */
        public fun tryAcquire(permits: Long): Decision = limiter.tryAcquire(key, permits)

        /** Waits up to [maxWait] for [permits]. */
        @Throws(InterruptedException::class)
        public fun acquire(permits: Long, maxWait: JavaDuration): Decision = limiter.acquire(key, permits, maxWait)

        /** Waits by [priority] up to [maxWait] for one permit. */
        @Throws(InterruptedException::class)
        public fun queueRequest(priority: Int, maxWait: JavaDuration): Decision = limiter.queueRequest(key, priority, maxWait)

        /** Returns the permits in the bucket now. */
        public fun getTokenCount(): Double = limiter.getTokenCount(key)

        /** Returns how many requests of cost 1 may be made now. */
        public fun getRemainingQuota(): Long = limiter.getRemainingQuota(key)

        /** Returns the instant at which one permit can be taken; now if it can be taken now. */
        public fun nextAvailableTimestamp(): Instant = limiter.nextAvailableTimestamp(key)

        /** Returns counts for this key. */
        public fun getUsageStats(): KeyUsage = limiter.getUsageStats(key)
    }
}
