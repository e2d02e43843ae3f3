package dev.limiter

import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import kotlin.random.Random
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/**
 * Exactness under real concurrency: many threads and coroutines on one key, with a mock
 * clock moved by the test, admit exactly `capacity + refill × elapsed`.
 */
class ConcurrencySpec : FunSpec({
    val policy = LimitPolicy.tokenBucket(100, Rate.perSecond(1_000)) // one permit per ms

    /** Advances [clock] one millisecond at a time, each time after the hammering drained the bucket. */
    fun driveClock(clock: MockClock, limiter: RateLimiter, steps: Int) = runBlocking {
        repeat(steps) {
            while (limiter.tokenCount("hot") >= 1.0) yield()
            clock.advance(Duration.ofMillis(1))
        }
        while (limiter.tokenCount("hot") >= 1.0) yield()
    }

    test("8 threads through the Java facade admit exactly capacity plus the refill") {
        val clock = MockClock()
        val limiter = RateLimiter(policy, clock = clock)
        val blocking = limiter.asBlocking()
        val admitted = AtomicLong()
        val stop = AtomicBoolean()
        val threads = (1..8).map {
            Thread {
                while (!stop.get()) if (blocking.tryAcquire("hot").allowed) admitted.incrementAndGet()
            }.apply { start() }
        }
        driveClock(clock, limiter, steps = 500)
        stop.set(true)
        threads.forEach { it.join() }
        admitted.get() shouldBe 100 + 500
        limiter.usageStats("hot").allowed shouldBe 600
    }

    test("1,000 coroutines through the Kotlin API admit exactly capacity plus the refill") {
        val clock = MockClock()
        val limiter = RateLimiter(policy, clock = clock)
        val admitted = AtomicLong()
        val stop = AtomicBoolean()
        coroutineScope {
            val workers = (1..1_000).map {
                launch(Dispatchers.Default) {
                    while (isActive && !stop.get()) {
                        if (limiter.tryAcquire("hot").allowed) admitted.incrementAndGet()
                        yield()
                    }
                }
            }
            launch(Dispatchers.IO) { driveClock(clock, limiter, steps = 300) }.join()
            stop.set(true)
            workers.forEach { it.join() }
        }
        admitted.get() shouldBe 100 + 300
    }

    test("Java threads and coroutines queued at 100,000 permits/s on the system clock are each granted, none twice") {
        // Refills every 10 µs: a blocking head spins for its grant and wakes the next waiter
        // early when that is a parked thread (the pre-wake), which then watches for its turn.
        // Nothing here is timed; it checks that handing turns that way, beside coroutine
        // waiters, loses no waiter and grants no permit twice.
        val store = CountingStore(LocalBucketStore())
        val limiter = RateLimiter(LimitPolicy.tokenBucket(1, Rate.perSecond(100_000)), store, maxQueueSize = 64)
        val blocking = limiter.asBlocking()
        val granted = AtomicLong()
        val threads = (0 until 6).map { t ->
            Thread {
                repeat(250) { i ->
                    val d = if (i % 2 == 0) blocking.acquire("k") else blocking.queueRequest("k", t % 3, Duration.ofSeconds(30))
                    if (d.allowed) granted.incrementAndGet()
                }
            }.apply { start() }
        }
        runBlocking(Dispatchers.Default) {
            (0 until 2).map {
                async { repeat(250) { if (limiter.acquire("k", 1, 30.seconds).allowed) granted.incrementAndGet() } }
            }.awaitAll()
        }
        threads.forEach { it.join(60_000) }
        threads.none { it.isAlive } shouldBe true
        granted.get() shouldBe 2_000
        store.granted("k") shouldBe 2_000
        limiter.usageStats("k").allowed shouldBe 2_000
        limiter.usageStats().queueDepth shouldBe 0
    }

    test("closing the limiter while Java threads hand turns at 100,000 permits/s fails every waiter") {
        val limiter = RateLimiter(LimitPolicy.tokenBucket(1, Rate.perSecond(100_000)), maxQueueSize = 64)
        val blocking = limiter.asBlocking()
        val closed = AtomicLong()
        val threads = (0 until 6).map {
            Thread {
                try {
                    while (true) blocking.acquire("k")
                } catch (e: LimiterClosedException) {
                    closed.incrementAndGet()
                }
            }.apply { start() }
        }
        var spins = 0
        while (limiter.usageStats().allowed < 200) {
            Thread.onSpinWait()
            (++spins) shouldBeLessThan 2_000_000_000
        }
        limiter.close()
        threads.forEach { it.join(60_000) }
        closed.get() shouldBe 6
    }

    test("thousands of queued waiters on a few keys: no permit lost or granted twice, none left hanging") {
        val clock = MockClock()
        val queued = LimitPolicy.tokenBucket(10, Rate.perSecond(100)) // one permit per 10 ms
        val store = CountingStore(LocalBucketStore())
        val limiter = RateLimiter(queued, store, clock, maxQueueSize = 10_000)
        val keys = listOf("a", "b", "c", "d")
        val random = Random(42)
        coroutineScope {
            val waiters = keys.flatMap { key ->
                (1..1_000).map {
                    key to async(Dispatchers.Default) {
                        limiter.queueRequest(key, priority = random.nextInt(3), maxWait = 24.hours).allowed
                    }
                }
            }
            // Once everyone is queued (the first 10 per key were granted at once), cancel one
            // waiter in ten: they must leave the queue and consume nothing.
            var spins = 0
            while (limiter.usageStats().queueDepth < 4_000 - 40) {
                Thread.sleep(1)
                (++spins) shouldBeLessThan 30_000
            }
            waiters.filterIndexed { i, _ -> i % 10 == 0 }.forEach { it.second.cancel() }
            val cancelled = waiters.map { it.second }.filter { it.isCancelled }.toSet()
            var steps = 0
            while (waiters.any { !it.second.isCompleted }) {
                clock.advance(Duration.ofMillis(10))
                Thread.sleep(0, 200_000)
                steps++
                steps shouldBeLessThan 50_000
            }
            val elapsedMs = Duration.between(MockClock.DEFAULT_START, clock.instant()).toMillis()
            for (key in keys) {
                val granted = waiters.filter { it.first == key && it.second !in cancelled }.map { it.second.await() }
                granted.all { it } shouldBe true
                // Every permit the store handed out reached a waiter that was granted, once.
                store.granted(key) shouldBe granted.size.toLong()
                // And never more than the bucket produced.
                (granted.size <= 10 + elapsedMs / 10) shouldBe true
            }
            limiter.usageStats().allowed shouldBe (4_000L - cancelled.size)
        }
        limiter.usageStats().queueDepth shouldBe 0
    }
})

/** Counts the permits a store grants per key. */
private class CountingStore(private val inner: BucketStore) : BucketStore by inner {
    private val counts = java.util.concurrent.ConcurrentHashMap<String, AtomicLong>()

    fun granted(key: String): Long = counts[key]?.get() ?: 0

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision =
        inner.tryConsume(key, policy, permits, nowMicros).also {
            if (it.allowed) counts.computeIfAbsent(key) { AtomicLong() }.addAndGet(permits)
        }

    override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? =
        inner.tryConsumeNow(key, policy, permits, nowMicros)?.also {
            if (it.allowed) counts.computeIfAbsent(key) { AtomicLong() }.addAndGet(permits)
        }
}
