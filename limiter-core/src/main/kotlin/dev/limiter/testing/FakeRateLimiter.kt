package dev.limiter.testing

import dev.limiter.BlockingRateLimiter
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyScopedRateLimiter
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.LimiterClosedException
import dev.limiter.Rate
import dev.limiter.RateLimiter
import dev.limiter.ScopedRateLimiter
import dev.limiter.UsageStats
import dev.limiter.testing.internal.FakeAnswers
import java.time.Instant
import java.time.temporal.ChronoUnit
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import java.time.Duration as JavaDuration

/**
 * A [RateLimiter] for the tests of code that uses one: it answers as told and records every
 * call, and never waits.
 *
 * `FakeRateLimiter()` allows everything; [denying] denies everything; [scripted] follows a
 * list of answers or a rule. Answers come back at once, also from [acquire] and
 * [queueRequest], so a test never waits on a fake. Every keyed operation is recorded as a
 * [FakeCall] in [calls], in order, and [usageStats] counts the recorded decisions.
 *
 * The fake keeps the limiter's contract where a caller could notice: `permits` must be between
 * 1 and the policy's capacity, and after [close] every operation throws
 * [LimiterClosedException]. Queries ([tokenCount], [remainingQuota], [nextAvailableTimestamp])
 * answer from the last decision given to the key; before any, from [policy]'s capacity (none
 * for a denying fake). Time comes from [clock], a [MockClock] at [MockClock.DEFAULT_START]
 * unless [withClock] says otherwise. Safe for any number of threads and coroutines.
 */
public class FakeRateLimiter private constructor(
    override val policy: LimitPolicy,
    /** The clock [nextAvailableTimestamp] reads. */
    public val clock: LimiterClock,
    private val answers: FakeAnswers,
) : RateLimiter {
    /** Creates a fake that allows every request, on [DEFAULT_POLICY] and a fresh [MockClock]. */
    public constructor() : this(DEFAULT_POLICY, MockClock(), FakeAnswers.Allowing)

    private val recorded = CopyOnWriteArrayList<FakeCall>()
    private val lastDecisions = ConcurrentHashMap<String, Decision>()
    private val blocking by lazy { BlockingRateLimiter(this) }

    @Volatile
    private var closed = false

    /** Every call made so far, oldest first; a snapshot. */
    public val calls: List<FakeCall> get() = recorded.toList()

    /** Whether [close] was called. */
    public val isClosed: Boolean get() = closed

    /** Returns the calls made for [key], oldest first; empty when there were none. */
    public fun callsFor(key: String): List<FakeCall> = recorded.filter { it.key == key }

    /** Returns how many permit requests for [key] were granted; 0 when there were none. */
    public fun grantedCount(key: String): Int = recorded.count { it.key == key && it.decision?.allowed == true }

    /**
     * Checks that exactly [times] permit requests (`tryAcquire`, `acquire`, `queueRequest`)
     * for [key] were granted.
     *
     * @throws AssertionError naming the expected and actual count and listing the calls for [key].
     */
    public fun assertAcquired(key: String, times: Int) {
        val actual = grantedCount(key)
        if (actual != times) {
            throw AssertionError(
                "expected $times granted request(s) for key '$key' but there were $actual; calls for '$key': " +
                    callsFor(key).ifEmpty { "none" },
            )
        }
    }

    /**
     * Checks that nothing at all was asked of this fake.
     *
     * @throws AssertionError listing the calls that were made.
     */
    public fun assertNoCalls() {
        if (recorded.isNotEmpty()) throw AssertionError("expected no calls but there were ${recorded.size}: $recorded")
    }

    /** Forgets the recorded calls and the last decisions; a script keeps its position. */
    public fun clearCalls() {
        recorded.clear()
        lastDecisions.clear()
    }

    /** Returns a fake with the same answers on [policy], with no calls recorded. */
    public fun withPolicy(policy: LimitPolicy): FakeRateLimiter = FakeRateLimiter(policy, clock, answers.fresh())

    /** Returns a fake with the same answers reading time from [clock], with no calls recorded. */
    public fun withClock(clock: LimiterClock): FakeRateLimiter = FakeRateLimiter(policy, clock, answers.fresh())

    @JvmSynthetic

    override suspend fun tryAcquire(key: String, permits: Long): Decision =
        decide(FakeCall.Operation.TRY_ACQUIRE, key, permits, priority = null, maxWait = null)

    @JvmSynthetic

    override suspend fun acquire(key: String, permits: Long, maxWait: Duration): Decision =
        decide(FakeCall.Operation.ACQUIRE, key, permits, priority = 0, maxWait = maxWait)

    @JvmSynthetic

    override suspend fun queueRequest(key: String, priority: Int, maxWait: Duration, permits: Long): Decision =
        decide(FakeCall.Operation.QUEUE_REQUEST, key, permits, priority, maxWait)

    @JvmSynthetic

    override suspend fun tokenCount(key: String): Double {
        record(FakeCall.Operation.TOKEN_COUNT, key, null, null, null, null)
        return current(key).remaining.toDouble()
    }

    @JvmSynthetic

    override suspend fun remainingQuota(key: String): Long {
        record(FakeCall.Operation.REMAINING_QUOTA, key, null, null, null, null)
        return current(key).remaining
    }

    @JvmSynthetic

    override suspend fun nextAvailableTimestamp(key: String, permits: Long): Instant {
        checkOpen()
        checkPermits(permits)
        record(FakeCall.Operation.NEXT_AVAILABLE_TIMESTAMP, key, permits, null, null, null)
        return MockClock.fromNanos(clock.nowNanos()).plus(current(key).retryAfter)
    }

    @JvmSynthetic

    override suspend fun reset(key: String) {
        record(FakeCall.Operation.RESET, key, null, null, null, null)
        lastDecisions.remove(key)
    }

    override fun usageStats(): UsageStats {
        val decisions = recorded.mapNotNull { it.decision }
        return UsageStats(
            allowed = decisions.count { it.allowed }.toLong(),
            rejected = decisions.count { !it.allowed }.toLong(),
            queued = 0,
            timedOut = decisions.count { it.reason == DenyReason.QUEUE_TIMEOUT }.toLong(),
            queueDepth = 0,
            averageWait = JavaDuration.ZERO,
            maxWait = JavaDuration.ZERO,
            trackedKeys = recorded.filter { it.decision != null }.map { it.key }.toSet().size,
        )
    }

    override fun usageStats(key: String): KeyUsage {
        val calls = callsFor(key).filter { it.decision != null }
        val granted = calls.filter { it.decision!!.allowed }
        return KeyUsage(key, granted.size.toLong(), (calls.size - granted.size).toLong(), granted.sumOf { it.permits!! })
    }

    override fun scopeByKey(key: String): ScopedRateLimiter = KeyScopedRateLimiter(this, key)

    override fun asBlocking(): BlockingRateLimiter = blocking

    /** Closes the fake: every later operation throws [LimiterClosedException]. */
    override fun close() {
        closed = true
    }

    override fun toString(): String = "FakeRateLimiter($answers, policy=$policy, calls=${recorded.size})"

    private fun decide(operation: FakeCall.Operation, key: String, permits: Long, priority: Int?, maxWait: Duration?): Decision {
        checkOpen()
        checkPermits(permits)
        val waits = operation != FakeCall.Operation.TRY_ACQUIRE
        val decision = try {
            answers.answer(key, permits, recorded.size + 1) { allowed ->
                if (allowed) {
                    Decision.allowed(key, policy.capacity, policy.capacity)
                } else {
                    val retryAfter = answers.retryAfter
                    Decision.denied(
                        key, if (waits) DenyReason.QUEUE_TIMEOUT else DenyReason.LIMITED, retryAfter,
                        remaining = 0, limit = policy.capacity, resetAfter = retryAfter,
                    )
                }
            }.withKey(key)
        } catch (e: IllegalStateException) {
            record(operation, key, permits, priority, maxWait, null)
            throw e
        }
        lastDecisions[key] = decision
        record(operation, key, permits, priority, maxWait, decision)
        return decision
    }

    /** The decision queries answer from: the key's last one, or what a first request would see. */
    private fun current(key: String): Decision = lastDecisions[key] ?: when (val a = answers) {
        is FakeAnswers.Denying -> Decision.denied(key, DenyReason.LIMITED, a.retryAfter, 0, policy.capacity, a.retryAfter)
        else -> Decision.allowed(key, policy.capacity, policy.capacity)
    }

    private fun record(
        operation: FakeCall.Operation, key: String, permits: Long?, priority: Int?, maxWait: Duration?, decision: Decision?,
    ) {
        checkOpen()
        val wait = maxWait?.let { if (it.isInfinite()) ChronoUnit.FOREVER.duration else it.toJavaDuration() }
        recorded.add(FakeCall(operation, key, permits, priority, wait, decision))
    }

    private fun checkOpen() {
        if (closed) throw LimiterClosedException("the FakeRateLimiter for $policy is closed")
    }

    private fun checkPermits(permits: Long) {
        require(permits in 1..policy.capacity) {
            "permits must be between 1 and the policy's capacity ${policy.capacity}, was $permits; " +
                "ask for fewer permits or give the fake a larger policy with withPolicy(...)"
        }
    }

    /** Decides whether a request for `permits` from `key` is granted; for [scripted] from Java. */
    public fun interface Rule {
        /** Returns `true` to grant the request, `false` to deny it. */
        public fun allows(key: String, permits: Long): Boolean
    }

    public companion object {
        /** The policy of a fake unless [withPolicy] says otherwise: a token bucket of [LimitPolicy.MAX_CAPACITY] refilled at a million per second, named `fake`. */
        @JvmField
        public val DEFAULT_POLICY: LimitPolicy =
            LimitPolicy.tokenBucket(LimitPolicy.MAX_CAPACITY, Rate.perSecond(1_000_000)).named("fake")

        /** How long a denying or scripted fake tells callers to wait unless told otherwise: one second. */
        @JvmField
        public val DEFAULT_RETRY_AFTER: JavaDuration = JavaDuration.ofSeconds(1)

        /** Returns a fake that grants every request. */
        @JvmStatic
        public fun allowing(): FakeRateLimiter = FakeRateLimiter()

        /**
         * Returns a fake that denies every request, asking callers to retry after [retryAfter]:
         * `tryAcquire` with [DenyReason.LIMITED], `acquire` and `queueRequest` with
         * [DenyReason.QUEUE_TIMEOUT].
         */
        @JvmStatic
        @JvmOverloads
        public fun denying(retryAfter: JavaDuration = DEFAULT_RETRY_AFTER): FakeRateLimiter =
            FakeRateLimiter(DEFAULT_POLICY, MockClock(), FakeAnswers.Denying(checkRetryAfter(retryAfter)))

        /** Kotlin form of [denying]. */
        @JvmSynthetic
        public fun denying(retryAfter: Duration): FakeRateLimiter = denying(retryAfter.toJavaDuration())

        /**
         * Returns a fake that answers permit requests with [answers] in order, `true` granting;
         * a denial asks to retry after [DEFAULT_RETRY_AFTER].
         *
         * A request after the last answer throws [IllegalStateException]: a script that runs
         * out is a test that did not expect the call.
         */
        @JvmStatic
        public fun scripted(vararg answers: Boolean): FakeRateLimiter {
            require(answers.isNotEmpty()) { "answers must not be empty; use allowing() or denying() for a fixed answer" }
            val script = answers.toList()
            return FakeRateLimiter(DEFAULT_POLICY, MockClock(), FakeAnswers.Script(script.size) { i, decide -> decide(script[i]) })
        }

        /**
         * Returns a fake that answers permit requests with [decisions] in order, each for the
         * key asked about; a request after the last one throws [IllegalStateException].
         */
        @JvmStatic
        public fun scripted(vararg decisions: Decision): FakeRateLimiter {
            require(decisions.isNotEmpty()) { "decisions must not be empty; use allowing() or denying() for a fixed answer" }
            val script = decisions.toList()
            return FakeRateLimiter(DEFAULT_POLICY, MockClock(), FakeAnswers.Script(script.size) { i, _ -> script[i] })
        }

        /**
         * Returns a fake that asks [rule] about every permit request; a denial asks to retry
         * after [retryAfter].
         */
        @JvmStatic
        @JvmOverloads
        public fun scripted(retryAfter: JavaDuration = DEFAULT_RETRY_AFTER, rule: Rule): FakeRateLimiter =
            FakeRateLimiter(DEFAULT_POLICY, MockClock(), FakeAnswers.ByRule(checkRetryAfter(retryAfter), rule))

        /** Kotlin form of [scripted] with a rule and a wait. */
        @JvmSynthetic
        public fun scripted(retryAfter: Duration, rule: Rule): FakeRateLimiter = scripted(retryAfter.toJavaDuration(), rule)

        private fun checkRetryAfter(retryAfter: JavaDuration): JavaDuration = retryAfter.also {
            require(!it.isNegative) { "retryAfter must not be negative, was $it; use Duration.ZERO or more" }
        }
    }
}
