package dev.limiter.redis

import dev.limiter.BucketStore
import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.LocalBucketStore
import dev.limiter.Rate
import io.kotest.assertions.fail
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.property.Arb
import io.kotest.property.PropTestConfig
import io.kotest.property.arbitrary.arbitrary
import io.kotest.property.arbitrary.choice
import io.kotest.property.arbitrary.constant
import io.kotest.property.arbitrary.element
import io.kotest.property.arbitrary.int
import io.kotest.property.arbitrary.list
import io.kotest.property.arbitrary.long
import io.kotest.property.checkAll
import java.time.Duration

/** One step of a random run: move the clock, then take or inspect some permits (zero included). */
private data class Step(val advanceMicros: Long, val permits: Long, val take: Boolean)

private data class Run(val policy: LimitPolicy, val startMicros: Long, val steps: List<Step>)

/**
 * Every Lua twin decides bit for bit as its Kotlin algorithm: random operation sequences
 * (clock moves, costs from zero to the capacity, takes and inspections) are fed to a
 * [LocalBucketStore] and to a [RedisBucketStore], and every answer must be identical.
 *
 * - On the limiter's clock (`TimeSource.CLIENT`): both stores get the same `nowMicros`.
 * - On Redis `TIME` (the default): Redis's clock is read before and after each call, and the
 *   Kotlin twin, replayed from scratch, must give every answer at microseconds in between
 *   (the ones the scripts read), found by a search.
 *
 * Policies range over everything the API admits: capacities up to [LimitPolicy.MAX_CAPACITY]
 * (the log's up to [LimitPolicy.MAX_LOG_LIMIT]), amounts up to 2^40, periods from a
 * microsecond to 366 days (104 for the window counter). Seeds are fixed, named in each test's
 * name, and can be replaced with `-DluaTwin.seed=<n>` to replay a reported failure.
 */
class LuaTwinEquivalenceSpec : FunSpec({
    val periods = listOf(
        Duration.ofNanos(1_000), Duration.ofMillis(1), Duration.ofMillis(7), Duration.ofMillis(250),
        Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1),
        Duration.ofDays(104), Duration.ofDays(366),
    )
    val baseSeed = System.getProperty("luaTwin.seed")?.toLong() ?: 20_260_101L

    fun policies(algorithm: Algorithm): Arb<LimitPolicy> = arbitrary {
        val most = if (algorithm == Algorithm.SLIDING_WINDOW_LOG) LimitPolicy.MAX_LOG_LIMIT else LimitPolicy.MAX_CAPACITY
        val sizes = Arb.choice(Arb.long(1L..40L), Arb.long(1L..most), Arb.constant(most))
        var policy: LimitPolicy? = null
        while (policy == null) {
            val period = Arb.element(periods).bind()
            val capacity = sizes.bind()
            val amount = if (algorithm.id.contains("window")) capacity else Arb.choice(Arb.long(1L..1_000L), Arb.long(1L..(1L shl 40))).bind()
            // Combinations the API refuses (over 53 bits, a counter window over 104 days) are drawn again.
            policy = runCatching { LimitPolicy.of(algorithm, capacity, Rate.of(amount, period)) }.getOrNull()
        }
        policy
    }

    fun runs(algorithm: Algorithm, longest: Int): Arb<Run> = arbitrary {
        val policy = policies(algorithm).bind()
        val period = policy.rate.periodMicros
        // Moves of every scale: none, a microsecond, a fraction of the period, whole periods.
        val advance = Arb.choice(
            Arb.constant(0L), Arb.constant(1L), Arb.long(0L..maxOf(1, period / policy.capacity)),
            Arb.long(0L..period), Arb.long(period..3 * period),
        )
        val permits = Arb.choice(Arb.constant(0L), Arb.long(0L..minOf(policy.capacity, 3L)), Arb.long(0L..policy.capacity))
        val step = arbitrary { Step(advance.bind(), permits.bind(), Arb.int(0..3).bind() > 0) }
        // Any microsecond of 2026, so windows start anywhere relative to the first request.
        Run(policy, 1_767_225_600_000_000L + Arb.long(0L..365L * 86_400_000_000L).bind(), Arb.list(step, 1..longest).bind())
    }

    suspend fun BucketStore.apply(key: String, run: Run, step: Step, now: Long): Any =
        if (step.take) tryConsume(key, run.policy, step.permits, now) else inspect(key, run.policy, step.permits, now)

    val options = SharedRedis.isolatedOptions().withTtlSlack(Duration.ofHours(1)).withDenyCacheSize(0)
    val clientTime = SharedRedis.clientTimeStore(options)
    val redisTime = RedisBucketStore.of(SharedRedis.connection, SharedRedis.isolatedOptions().withTtlSlack(Duration.ofHours(1)).withDenyCacheSize(0))

    fun redisMicros(): Long = SharedRedis.sync.time().let { it[0].toLong() * 1_000_000 + it[1].toLong() }

    for (algorithm in Algorithm.entries) {
        val seed = baseSeed + 2 * algorithm.ordinal
        test("the Lua ${algorithm.id} decides exactly as its Kotlin twin on the limiter's clock (seed $seed)") {
            var runIndex = 0
            checkAll(PropTestConfig(seed = seed, iterations = 60), runs(algorithm, 40)) { run ->
                val key = "run-${runIndex++}"
                val local: BucketStore = LocalBucketStore()
                var now = run.startMicros
                for ((index, step) in run.steps.withIndex()) {
                    now += step.advanceMicros
                    val where = "seed $seed, step $index of $run at $now"
                    Pair(where, clientTime.apply(key, run, step, now)) shouldBe Pair(where, local.apply(key, run, step, now))
                }
                clientTime.reset(key, run.policy)
            }
        }

        test("the Lua ${algorithm.id} decides exactly as its Kotlin twin on Redis TIME (seed ${seed + 1})") {
            var runIndex = 0
            checkAll(PropTestConfig(seed = seed + 1, iterations = 12), runs(algorithm, 5)) { run ->
                val key = "run-${runIndex++}"
                // What Redis answered to each step, and its TIME readings around it.
                val answers = run.steps.map { step ->
                    val before = redisMicros()
                    val actual = redisTime.apply(key, run, step, 0L)
                    Triple(before, actual, redisMicros())
                }

                // Some answers do not depend on the microsecond (a full bucket), so a search with
                // backtracking finds script times, one per step and never decreasing, at which the
                // Kotlin twin, replayed from scratch, gives every answer.
                suspend fun times(chosen: List<Long>): List<Long>? {
                    val index = chosen.size
                    if (index == run.steps.size) return chosen
                    val (before, actual, after) = answers[index]
                    for (candidate in maxOf(before, chosen.lastOrNull() ?: before)..after) {
                        val local = LocalBucketStore()
                        for ((earlier, time) in run.steps.zip(chosen)) local.apply(key, run, earlier, time)
                        if (local.apply(key, run, run.steps[index], candidate) == actual) times(chosen + candidate)?.let { return it }
                    }
                    return null
                }
                times(emptyList()) ?: fail(
                    "seed ${seed + 1}, $run: Redis answered ${answers.map { it.second }} at Redis TIME between " +
                        "${answers.map { it.first to it.third }}; the Kotlin twin gives these answers at no microseconds in those ranges",
                )
                redisTime.reset(key, run.policy)
            }
        }
    }
})
