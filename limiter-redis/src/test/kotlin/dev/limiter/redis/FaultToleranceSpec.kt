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
import io.lettuce.core.api.sync.RedisCommands
import io.lettuce.core.codec.StringCodec
import io.lettuce.core.output.StatusOutput
import io.lettuce.core.protocol.CommandArgs
import io.lettuce.core.protocol.CommandType
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.coroutines.cancellation.CancellationException
import java.util.concurrent.TimeUnit

/** What one request under load saw: which worker sent it, when it started and ended, its decision or error. */
private class Outcome(val worker: Int, val startNanos: Long, val endNanos: Long, val decision: Decision?, val error: Throwable?)

/**
 * Fault tolerance against a real Redis process and real faults: killed, restarted empty,
 * paused, its scripts flushed and its data wiped. Each test runs a Redis server of its own.
 *
 * Nothing here is a bound on real time: a request that waits on a dead or paused Redis is
 * caught by what happened (every load worker gets answers while Redis cannot answer), and
 * the deadlines of `waitFor` only end a failing run. How long the timeout and the probe
 * interval take is proven in virtual time by `FaultTolerantBucketStoreSpec`; how fast the
 * fallback is, in bench/.
 */
class FaultToleranceSpec : FunSpec({
    val policy = LimitPolicy.tokenBucket(100, Rate.perHour(1))
    val settings = FaultToleranceSettings()
    val workers = 4

    fun CoroutineScope.load(limiter: RateLimiter, outcomes: ConcurrentLinkedQueue<Outcome>, key: String = "k"): Job =
        launch(Dispatchers.Default) {
            repeat(workers) { worker ->
                launch {
                    while (isActive) {
                        val start = System.nanoTime()
                        val result = runCatching { limiter.tryAcquire(key) }
                        val end = System.nanoTime()
                        // The test stopping the load is not an outcome.
                        result.exceptionOrNull()?.let { if (it is CancellationException) throw it }
                        outcomes += Outcome(worker, start, end, result.getOrNull(), result.exceptionOrNull())
                        delay(1)
                    }
                }
            }
        }

    /** Waits for [condition]; the deadline only ends a failing run, it is not what is tested. */
    suspend fun waitFor(limitMillis: Long, condition: () -> Boolean) {
        val start = System.nanoTime()
        while (!condition()) {
            check(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(limitMillis)) { "condition not met within $limitMillis ms" }
            delay(5)
        }
    }

    /** True when every worker has been answered for a request it started after [from]. */
    fun everyWorkerAnswered(outcomes: Collection<Outcome>, from: Long): Boolean =
        outcomes.filter { it.startNanos > from && it.decision != null }.map { it.worker }.toSet().size == workers

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
                    // Long enough for the local bucket (100 permits) to run dry under the load,
                    // and for every worker to have been answered while Redis is dead: no
                    // request (the ones in flight at the kill included) waits for it to return.
                    waitFor(20_000) {
                        outcomes.count { it.endNanos > killedAt && it.decision?.allowed == false } >= 50 &&
                            everyWorkerAnswered(outcomes, from = openedAt)
                    }
                    val restartedAt = System.nanoTime()
                    server.start()
                    waitFor(20_000) { store.backendState == BackendState.PRIMARY }
                    val backAt = System.nanoTime()
                    waitFor(20_000) { everyWorkerAnswered(outcomes, from = backAt) }
                    job.cancel()

                    outcomes.mapNotNull { it.error }.shouldBeEmpty()
                    // Local buckets start full: at most the policy's 100 permits while Redis is away.
                    // (Requests started once the circuit was open; ones in flight at the kill may
                    // still have been answered by Redis.)
                    val duringOutage = outcomes.filter { it.startNanos > openedAt && it.endNanos < restartedAt }
                    duringOutage.count { it.decision!!.allowed } shouldBeLessThanOrEqualTo 100
                    // Restarted empty (no scripts, no data): the bucket in Redis is full again,
                    // while the local one had run dry, so a decision with 90 or more left can only
                    // come from Redis (how many Redis decided before the test saw PRIMARY depends
                    // on the machine's load, so no particular one is singled out); and Redis
                    // enforces its 100 permits.
                    val afterRestart = outcomes.filter { it.endNanos > restartedAt }
                    afterRestart.maxOf { it.decision!!.remaining } shouldBeGreaterThanOrEqualTo 90L
                    val afterBack = outcomes.filter { it.endNanos > backAt }
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
                        val adminCommands = admin.connect().sync()
                        // Paused until unpaused below (WRITE blocks the store's scripts, probes
                        // included, but not CLIENT UNPAUSE): Redis answers nothing meanwhile.
                        adminCommands.client("PAUSE", "600000", "WRITE")
                        val pausedAt = System.nanoTime()
                        waitFor(20_000) { store.backendState == BackendState.FALLBACK }
                        // Every worker, the ones with a request in flight at the pause included,
                        // is answered while Redis is still paused: none waits on it.
                        waitFor(20_000) { everyWorkerAnswered(outcomes, from = pausedAt) }
                        adminCommands.client("UNPAUSE")
                        waitFor(20_000) { store.backendState == BackendState.PRIMARY }
                        job.cancel()
                        outcomes.mapNotNull { it.error }.shouldBeEmpty()
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
})

/** Sends `CLIENT <args>`, for subcommands Lettuce has no method for. */
private fun RedisCommands<String, String>.client(vararg args: String): String =
    dispatch(CommandType.CLIENT, StatusOutput(StringCodec.UTF8), CommandArgs(StringCodec.UTF8).addValues(*args))
