package dev.limiter

import dev.limiter.testing.VirtualClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.time.Duration
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** Queueing in virtual time: grant order, grant instants, timeouts, cancellation, overflow. */
class QueueRequestSpec : FunSpec({

    fun TestScope.limiter(policy: LimitPolicy, maxQueueSize: Int = 100) =
        RateLimiter(policy, clock = VirtualClock(testScheduler), maxQueueSize = maxQueueSize)

    test("a mixed-priority burst is served by priority, first come first served within one, at the refill instants") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(1, Rate.perSecond(10)))
            limiter.tryAcquire().allowed shouldBe true
            val grants = mutableListOf<Pair<String, Long>>()
            val burst = listOf("low-a" to 0, "mid-a" to 5, "low-b" to 0, "high" to 10, "mid-b" to 5, "low-c" to 0)
            val jobs = burst.map { (name, priority) ->
                launch {
                    limiter.queueRequest(priority = priority, maxWait = 10.seconds).allowed shouldBe true
                    grants += name to testScheduler.currentTime
                }.also { runCurrent() }
            }
            jobs.forEach { it.join() }
            grants shouldBe listOf(
                "high" to 100L, "mid-a" to 200L, "mid-b" to 300L, "low-a" to 400L, "low-b" to 500L, "low-c" to 600L,
            )
        }
    }

    test("a new arrival never passes a waiter of equal priority, even when a permit is free") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(2, Rate.perSecond(1)))
            limiter.tryAcquire(permits = 2)
            val first = async { limiter.queueRequest(priority = 1, maxWait = 10.seconds, permits = 2) }
            runCurrent()
            delay(1_000) // one permit is back, the waiter wants two
            val tryNow = limiter.tryAcquire()
            tryNow.allowed shouldBe false
            val sameRank = async { limiter.queueRequest(priority = 1, maxWait = 10.seconds) }
            runCurrent()
            first.await().allowed shouldBe true
            testScheduler.currentTime shouldBe 2_000
            sameRank.await().allowed shouldBe true
            testScheduler.currentTime shouldBe 3_000
        }
    }

    test("a waiter behind others times out at exactly its maxWait") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(2, Rate.perSecond(1)))
            limiter.tryAcquire(permits = 2)
            val ahead = async { limiter.queueRequest(priority = 10, maxWait = 10.seconds, permits = 2) }
            runCurrent()
            val behind = async {
                limiter.queueRequest(priority = 0, maxWait = 1_500.milliseconds).also {
                    testScheduler.currentTime shouldBe 1_500
                }
            }
            val timedOut = behind.await()
            timedOut.allowed shouldBe false
            timedOut.reason shouldBe DenyReason.QUEUE_TIMEOUT
            ahead.await().allowed shouldBe true
            testScheduler.currentTime shouldBe 2_000
            limiter.usageStats().timedOut shouldBe 1
        }
    }

    test("a waiter whose earliest grant lies beyond maxWait is refused at once") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(1, Rate.perMinute(1)))
            limiter.tryAcquire()
            val decision = limiter.queueRequest(maxWait = 59.seconds)
            decision.reason shouldBe DenyReason.QUEUE_TIMEOUT
            decision.retryAfter shouldBe Duration.ofSeconds(60)
            testScheduler.currentTime shouldBe 0
        }
    }

    test("a cancelled waiter leaves the queue and consumes nothing") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(1, Rate.perSecond(10)))
            limiter.tryAcquire()
            val cancelled = launch { limiter.queueRequest(priority = 10, maxWait = 10.seconds) }
            runCurrent()
            val patient = async { limiter.queueRequest(priority = 0, maxWait = 10.seconds).also { testScheduler.currentTime shouldBe 100 } }
            runCurrent()
            delay(50)
            cancelled.cancel()
            patient.await().allowed shouldBe true
            limiter.usageStats().queueDepth shouldBe 0
            delay(100)
            limiter.tokenCount() shouldBe 1.0
        }
    }

    test("the queue is bounded: overflow is refused at once with QUEUE_FULL") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(1, Rate.perSecond(1)), maxQueueSize = 2)
            limiter.tryAcquire()
            val waiting = (1..2).map { async { limiter.queueRequest(maxWait = 10.seconds) } }
            runCurrent()
            val overflow = limiter.queueRequest(maxWait = 10.seconds)
            overflow.reason shouldBe DenyReason.QUEUE_FULL
            testScheduler.currentTime shouldBe 0
            waiting.awaitAll().map { it.allowed } shouldBe listOf(true, true)
        }
    }

    test("a request for more than the capacity fails at once and never waits") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(3, Rate.perSecond(1)))
            shouldThrow<IllegalArgumentException> { limiter.queueRequest(maxWait = 10.seconds, permits = 4) }
            testScheduler.currentTime shouldBe 0
        }
    }

    test("the request form runs the request when granted and throws with retryAfter when not") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(1, Rate.perMinute(1)))
            limiter.queueRequest("k", 0, 1.seconds) { "report" } shouldBe "report"
            val error = shouldThrow<RateLimitExceededException> { limiter.queueRequest("k", 0, 1.seconds) { "never" } }
            error.retryAfter shouldBe Duration.ofSeconds(60)
        }
    }

    test("a leaky bucket releases a queued burst evenly at its drain rate") {
        runTest {
            val limiter = limiter(LimitPolicy.leakyBucket(2, Rate.perSecond(5)))
            val times = (1..6).map { async { limiter.acquire().also { it.allowed shouldBe true }; testScheduler.currentTime } }
            times.awaitAll() shouldBe listOf(0L, 0L, 200L, 400L, 600L, 800L)
        }
    }

    test("closing the limiter fails pending waiters promptly with a clear exception") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(1, Rate.perHour(1)))
            limiter.tryAcquire()
            val waiters = (1..3).map { async { runCatching { limiter.queueRequest(priority = it, maxWait = 2.hours) } } }
            runCurrent()
            limiter.close()
            val failures = waiters.awaitAll().map { it.exceptionOrNull() }
            failures.all { it is LimiterClosedException } shouldBe true
            testScheduler.currentTime shouldBe 0
        }
    }

    test("with aging, a long-waiting low priority passes fresh high-priority arrivals") {
        runTest {
            val limiter = RateLimiter.builder(LimitPolicy.tokenBucket(1, Rate.perSecond(1)))
                .clock(VirtualClock(testScheduler)).priorityAging(java.time.Duration.ofSeconds(1)).buildSuspending()
            limiter.tryAcquire()
            val grants = mutableListOf<String>()
            val old = launch { limiter.queueRequest(priority = 0, maxWait = 1.hours); grants += "old@${testScheduler.currentTime}" }
            runCurrent()
            // A steady stream of priority-2 requests, one arriving every 500 ms.
            val stream = (1..6).map { i ->
                launch {
                    delay(500L * i - 1)
                    limiter.queueRequest(priority = 2, maxWait = 1.hours)
                    grants += "p2"
                }
            }
            old.join()
            stream.forEach { it.join() }
            // Everyone ages: the old waiter ranks t/1s, a p2 that arrived at a ranks 2 + (t - a)/1s.
            // It loses to the p2s that arrived within 2 s of it, and at 3 s it ties the rest and
            // wins on arrival order. Without aging it would be served last, at 7 s.
            grants.take(3) shouldBe listOf("p2", "p2", "old@3000")
        }
    }

    test("usage stats report queued requests, timeouts and wait times") {
        runTest {
            val limiter = limiter(LimitPolicy.tokenBucket(1, Rate.perSecond(1)))
            limiter.tryAcquire()
            val a = async { limiter.acquire(maxWait = 10.seconds) }
            val b = async { limiter.acquire(maxWait = 10.seconds) }
            val c = async { limiter.acquire(maxWait = 1_500.milliseconds) }
            listOf(a, b, c).awaitAll().map { it.allowed } shouldBe listOf(true, true, false)
            val stats = limiter.usageStats()
            stats.queued shouldBe 3
            stats.timedOut shouldBe 1
            stats.averageWait shouldBe Duration.ofMillis(1_500)
            stats.maxWait shouldBe Duration.ofSeconds(2)
            stats.allowed shouldBe 3
            stats.rejected shouldBe 1
        }
    }

    for (policy in listOf(
        LimitPolicy.tokenBucket(3, Rate.perSecond(2)),
        LimitPolicy.leakyBucket(3, Rate.perSecond(2)),
        LimitPolicy.fixedWindow(3, Duration.ofSeconds(1)),
        LimitPolicy.slidingWindowLog(3, Duration.ofSeconds(1)),
        LimitPolicy.slidingWindowCounter(3, Duration.ofSeconds(1)),
        LimitPolicy.gcra(Rate.perSecond(2), 3),
    )) {
        test("${policy.algorithm.id}: queued grants never exceed what the policy allows") {
            runTest {
                val limiter = limiter(policy)
                val times = (1..12).map { async { limiter.acquire(maxWait = 60.seconds).allowed shouldBe true; testScheduler.currentTime } }.awaitAll()
                // Replaying the grant instants one by one into a fresh store must be allowed every time.
                val replay = LocalBucketStore()
                val origin = VirtualClock(testScheduler).origin.toEpochMilli() * 1_000
                for (t in times.sorted()) replay.tryConsume("r", policy, 1, origin + t * 1_000).allowed shouldBe true
                // And no grant came later than a plain loop of acquires would have had it.
                val sequential = runTestTimes(policy, 12)
                times.sorted() shouldBe sequential
            }
        }
    }
})

private fun runTestTimes(policy: LimitPolicy, n: Int): List<Long> {
    val out = mutableListOf<Long>()
    runTest {
        val limiter = RateLimiter(policy, clock = VirtualClock(testScheduler))
        repeat(n) { limiter.acquire(); out += testScheduler.currentTime }
    }
    return out
}
