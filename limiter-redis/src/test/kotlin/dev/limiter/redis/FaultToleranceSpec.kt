package dev.limiter.redis

import dev.limiter.BackendState
import dev.limiter.BackendUnavailableException
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.RateLimiter
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.redis.harness.RedisServerProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.comparables.shouldBeGreaterThanOrEqualTo
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.lettuce.core.RedisClient
import io.lettuce.core.RedisException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.coroutines.cancellation.CancellationException
import java.util.concurrent.TimeUnit

/** What one request under load saw: when it finished, how long it took, its decision or error. */
private class Outcome(val endNanos: Long, val tookNanos: Long, val decision: Decision?, val error: Throwable?) {
    val startNanos: Long get() = endNanos - tookNanos
}

/**
 * Fault tolerance against a real Redis process and real faults: killed, restarted empty,
 * paused, its scripts flushed and its data wiped. Each test runs a Redis server of its own.
 *
 * Latency bounds allow [SCHEDULING_MARGIN_MS] over the command timeout for a 2-core machine
 * shared with other builds; the bound proves that no request waits on a dead or hanging
 * Redis (that would take seconds), not how fast the fallback is (see bench/).
 */
class FaultToleranceSpec : FunSpec({
    val policy = LimitPolicy.tokenBucket(100, Rate.perHour(1))
    val settings = FaultToleranceSettings()
    val timeoutNanos = settings.commandTimeout.toNanos()
    val marginNanos = TimeUnit.MILLISECONDS.toNanos(SCHEDULING_MARGIN_MS)

    fun CoroutineScope.load(limiter: RateLimiter, outcomes: ConcurrentLinkedQueue<Outcome>, key: String = "k"): Job =
        launch(Dispatchers.Default) {
            repeat(4) {
                launch {
                    while (isActive) {
                        val start = System.nanoTime()
                        val result = runCatching { limiter.tryAcquire(key) }
                        val end = System.nanoTime()
                        // The test stopping the load is not an outcome.
                        result.exceptionOrNull()?.let { if (it is CancellationException) throw it }
                        outcomes += Outcome(end, end - start, result.getOrNull(), result.exceptionOrNull())
                        delay(1)
                    }
                }
            }
        }

    suspend fun waitFor(limitMillis: Long, condition: () -> Boolean): Long {
        val start = System.nanoTime()
        while (!condition()) {
            check(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(limitMillis)) { "condition not met within $limitMillis ms" }
            delay(5)
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
    }

    fun withServer(block: suspend (RedisServerProcess) -> Unit): suspend () -> Unit = {
        val server = RedisHarness.startServer()
        try {
            block(server)
        } finally {
            server.stop()
        }
    }

    test("Redis killed mid-load: no caller sees an error, decisions go local at once and keep the limit; restarted empty, decisions return to Redis") {
        withServer { server ->
            RedisBucketStore.connect(server.uri).use { store ->
                store.enableFaultTolerance(FaultToleranceMode.LOCAL, settings)
                val limiter = RateLimiter(policy, store)
                val outcomes = ConcurrentLinkedQueue<Outcome>()
                kotlinx.coroutines.coroutineScope {
                    val job = load(limiter, outcomes)
                    waitFor(5_000) { outcomes.count { it.decision?.allowed == true } >= 20 }
                    val killedAt = System.nanoTime()
                    server.kill()
                    waitFor(5_000) { store.backendState == BackendState.FALLBACK }
                    val openedAt = System.nanoTime()
                    // Long enough for the local bucket (100 permits) to run dry under the load.
                    waitFor(10_000) { outcomes.count { it.endNanos > killedAt && it.decision?.allowed == false } >= 50 }
                    val restartedAt = System.nanoTime()
                    server.start()
                    val backAfter = waitFor(10_000) { store.backendState == BackendState.PRIMARY }
                    val backAt = System.nanoTime()
                    delay(100)
                    job.cancel()

                    outcomes.mapNotNull { it.error }.shouldBeEmpty()
                    // Requests that ended after the kill (so the JVM's warm-up is not counted).
                    outcomes.filter { it.endNanos > killedAt }.maxOf { it.tookNanos } shouldBeLessThanOrEqualTo
                        timeoutNanos + marginNanos
                    // Local buckets start full: at most the policy's 100 permits while Redis is away.
                    // (Requests started once the circuit was open; ones in flight at the kill may
                    // still have been answered by Redis.)
                    val duringOutage = outcomes.filter { it.startNanos > openedAt && it.endNanos < restartedAt }
                    duringOutage.count { it.decision!!.allowed } shouldBeLessThanOrEqualTo 100
                    // Back within a probe interval of Redis answering, plus the reconnect delay (at most 100 ms).
                    backAfter shouldBeLessThanOrEqualTo settings.probeInterval.toMillis() + 100 + SCHEDULING_MARGIN_MS
                    // Restarted empty (no scripts, no data): the bucket in Redis is full again,
                    // while the local one had run dry; and Redis enforces its 100 permits.
                    val afterBack = outcomes.filter { it.endNanos > backAt }.sortedBy { it.endNanos }
                    afterBack.first().decision!!.remaining shouldBeGreaterThanOrEqualTo 90L
                    afterBack.count { it.decision!!.allowed } shouldBeLessThanOrEqualTo 100
                }
            }
        }()
    }

    test("a hanging Redis (CLIENT PAUSE) holds no request longer than the command timeout") {
        withServer { server ->
            val admin = RedisClient.create(server.uri)
            try {
                RedisBucketStore.connect(server.uri).use { store ->
                    store.enableFaultTolerance(FaultToleranceMode.LOCAL, settings)
                    val limiter = RateLimiter(policy, store)
                    val outcomes = ConcurrentLinkedQueue<Outcome>()
                    kotlinx.coroutines.coroutineScope {
                        val job = load(limiter, outcomes)
                        waitFor(5_000) { outcomes.size >= 20 }
                        val pausedAt = System.nanoTime()
                        admin.connect().sync().clientPause(1_500)
                        waitFor(5_000) { store.backendState == BackendState.FALLBACK }
                        waitFor(10_000) { store.backendState == BackendState.PRIMARY }
                        job.cancel()
                        outcomes.mapNotNull { it.error }.shouldBeEmpty()
                        outcomes.filter { it.endNanos > pausedAt }.maxOf { it.tookNanos } shouldBeLessThanOrEqualTo
                            timeoutNanos + marginNanos
                    }
                }
            } finally {
                admin.shutdown()
            }
        }()
    }

    test("SCRIPT FLUSH and a data wipe are survived without leaving Redis") {
        withServer { server ->
            val admin = RedisClient.create(server.uri)
            try {
                RedisBucketStore.connect(server.uri).use { store ->
                    val tolerant = store.enableFaultTolerance(FaultToleranceMode.LOCAL, settings)
                    val limiter = RateLimiter(policy, store)
                    limiter.tryAcquire("k", 60).allowed shouldBe true
                    admin.connect().sync().scriptFlush()
                    limiter.tryAcquire("k", 40).allowed shouldBe true
                    limiter.tryAcquire("k", 1).allowed shouldBe false
                    admin.connect().sync().flushall()
                    // The wiped bucket is full again (inspecting bypasses this node's deny cache).
                    limiter.remainingQuota("k") shouldBe 100
                    limiter.tryAcquire("other", 100).allowed shouldBe true
                    tolerant.fallbackDecisions shouldBe 0
                    store.backendState shouldBe BackendState.PRIMARY
                }
            } finally {
                admin.shutdown()
            }
        }()
    }

    test("FAIL_OPEN allows and FAIL_CLOSED denies every request while Redis is down") {
        withServer { server ->
            RedisBucketStore.connect(server.uri).use { open ->
                RedisBucketStore.connect(server.uri).use { closed ->
                    open.enableFaultTolerance(FaultToleranceMode.FAIL_OPEN, settings)
                    closed.enableFaultTolerance(FaultToleranceMode.FAIL_CLOSED, settings)
                    server.kill()
                    repeat(200) {
                        open.tryConsume("k", policy, 1, 0).allowed shouldBe true
                        closed.tryConsume("k", policy, 1, 0).reason shouldBe DenyReason.BACKEND_UNAVAILABLE
                    }
                }
            }
        }()
    }

    test("NONE surfaces a typed exception carrying Redis's error") {
        withServer { server ->
            RedisBucketStore.connect(server.uri).use { store ->
                store.enableFaultTolerance(FaultToleranceMode.NONE, settings)
                store.tryConsume("k", policy, 1, 0).allowed shouldBe true
                server.kill()
                val failure = shouldThrow<BackendUnavailableException> { store.tryConsume("k", policy, 1, 0) }
                failure.cause.shouldBeInstanceOf<RedisException>()
            }
        }()
    }
}) {
    private companion object {
        const val SCHEDULING_MARGIN_MS = 150L
    }
}
