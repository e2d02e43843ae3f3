package dev.limiter

import dev.limiter.testing.MockClock
import dev.limiter.testing.VirtualClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Delay
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Runnable
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration

/**
 * A long queue on one key drains with a fixed amount of work per waiter: the store is asked a
 * fixed number of times per grant, whatever the queue's length, and the order holds.
 */
class QueueDrainSpec : FunSpec({

    /** Counts the store calls the limiter makes. */
    class CountingStore(private val inner: BucketStore = LocalBucketStore()) : BucketStore by inner {
        val consumes = AtomicLong()
        val inspects = AtomicLong()

        override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision =
            inner.tryConsume(key, policy, permits, nowMicros).also { consumes.incrementAndGet() }

        override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? =
            inner.tryConsumeNow(key, policy, permits, nowMicros).also { consumes.incrementAndGet() }

        override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot =
            inner.inspect(key, policy, permits, nowMicros).also { inspects.incrementAndGet() }
    }

    test("10,000 waiters on one key drain in arrival order, one per refill, with exactly 2n + 1 store calls") {
        runTest {
            val n = 10_000
            val store = CountingStore()
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(1_000)))
                .store(store).clock(VirtualClock(testScheduler)).maxQueueSize(n).buildSuspending()
            limiter.tryAcquire().allowed shouldBe true
            store.consumes.set(0)
            val order = IntArray(n)
            var granted = 0
            val jobs = (0 until n).map { i ->
                launch {
                    limiter.acquire(maxWait = Duration.INFINITE).allowed shouldBe true
                    order[granted++] = i
                }
            }
            runCurrent()
            // Only the first arrival asks the store; the rest see a waiter ahead and join the queue.
            limiter.usageStats().queueDepth shouldBe n
            jobs.forEach { it.join() }
            order.toList() shouldBe (0 until n).toList()
            testScheduler.currentTime shouldBe n.toLong() // one grant per millisecond refill
            // The first arrival's own try, then per waiter: refused once as it reaches the head, granted at the refill.
            store.consumes.get() shouldBe 2L * n + 1
            store.inspects.get() shouldBe 0
        }
    }

    test("only the waiter whose turn it is is woken: 2,000 waiters are resumed 3 times each, the first twice") {
        runTest {
            val n = 2_000
            val dispatcher = CountingDispatcher(StandardTestDispatcher(testScheduler))
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(1_000)))
                .clock(VirtualClock(testScheduler)).maxQueueSize(n).buildSuspending()
            limiter.tryAcquire().allowed shouldBe true
            val jobs = (0 until n).map { launch(dispatcher) { limiter.acquire(maxWait = Duration.INFINITE) } }
            jobs.forEach { it.join() }
            // Per waiter: its start, the wake when it reaches the head (not for the first, which
            // is the head from the start), the wake at its refill. Waking every waiter on each
            // grant would make this grow with n² instead.
            dispatcher.dispatches.get() shouldBe 3L * n - 1
        }
    }

    test("a blocking acquire on a mock clock parks its thread until the clock reaches the refill") {
        val clock = MockClock()
        val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(10))).clock(clock).build()
        limiter.tryAcquire("k").allowed shouldBe true
        val grant = CompletableFuture.supplyAsync { limiter.acquire("k", 1, java.time.Duration.ofSeconds(1)) }
        while (clock.waiters == 0) Thread.onSpinWait() // the waiter has asked the clock to wake it at the refill
        clock.waiters shouldBe 1
        clock.advance(java.time.Duration.ofMillis(99))
        grant.isDone shouldBe false
        clock.advance(java.time.Duration.ofMillis(1))
        grant.get().allowed shouldBe true
        clock.waiters shouldBe 0
    }
})

/** Counts how often coroutines are dispatched (started or resumed); timing is left to [inner]. */
@OptIn(InternalCoroutinesApi::class)
private class CountingDispatcher(private val inner: CoroutineDispatcher) : CoroutineDispatcher(), Delay {
    val dispatches = AtomicLong()

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        dispatches.incrementAndGet()
        inner.dispatch(context, block)
    }

    override fun scheduleResumeAfterDelay(timeMillis: Long, continuation: CancellableContinuation<Unit>) =
        (inner as Delay).scheduleResumeAfterDelay(timeMillis, continuation)

    override fun invokeOnTimeout(timeMillis: Long, block: Runnable, context: CoroutineContext): DisposableHandle =
        (inner as Delay).invokeOnTimeout(timeMillis, block, context)
}
