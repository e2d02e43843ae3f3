package dev.limiter.testing

import dev.limiter.BlockingRateLimiter
import dev.limiter.DEFAULT_KEY
import dev.limiter.Decision
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.LocalBucketStore
import dev.limiter.RateLimiter
import dev.limiter.RateLimiterBuilder
import dev.limiter.testing.internal.FixtureTime
import java.time.Instant
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration
import java.time.Duration as JavaDuration

/**
 * A real limiter for [policy] on a clock the test moves, with helpers to drive it and assert
 * on it.
 *
 * The fixture owns a [LocalBucketStore], a [MockClock] at [start] and a [RateLimiter] over
 * both. [reset] puts all three back as new: the Kotest extension
 * ([TestRateLimiterKotestExtension]) and the JUnit 5 extension ([TestRateLimiterExtension])
 * call it before each test, so read [limiter], [store] and [clock] through the fixture inside
 * a test rather than keeping them across tests. Under `runTest`, [useVirtualTime] moves the
 * limiter onto the test scheduler's virtual time instead.
 *
 * The assertion helpers take and inspect permits through the real limiter, without waiting,
 * and throw [AssertionError] saying what was expected and what happened, which every test
 * framework reports as a failure. The fixture itself needs neither Kotest nor JUnit.
 * Not meant for tests that run in parallel on one fixture.
 */
public class TestRateLimiterFixture @JvmOverloads constructor(
    /** The policy of [limiter]. */
    public val policy: LimitPolicy,
    /** The instant the clock reads after every [reset]: [MockClock.DEFAULT_START] by default. */
    public val start: Instant = MockClock.DEFAULT_START,
    /** The wait-queue bound of [limiter]. */
    public val maxQueueSize: Int = RateLimiterBuilder.DEFAULT_MAX_QUEUE_SIZE,
) : AutoCloseable {
    private var time: FixtureTime = FixtureTime.Mock(MockClock(start))

    /** The store behind [limiter]; replaced by [reset]. */
    public var store: LocalBucketStore = LocalBucketStore()
        private set

    /** The limiter under test; replaced by [reset] and [useVirtualTime]. */
    public var limiter: RateLimiter = build()
        private set

    /** The blocking view of [limiter], for Java. */
    public val blocking: BlockingRateLimiter get() = limiter.asBlocking()

    /** The clock [limiter] reads: a [MockClock], or a [VirtualClock] after [useVirtualTime]. */
    public val clock: LimiterClock get() = time.clock

    /**
     * The mock clock [limiter] reads.
     *
     * @throws IllegalStateException after [useVirtualTime], until the next [reset].
     */
    public val mockClock: MockClock
        get() = (time as? FixtureTime.Mock)?.clock
            ?: throw IllegalStateException("the fixture runs on virtual time until the next reset(); use clock or advanceTime")

    /** Returns the time [clock] reads now. */
    public fun now(): Instant = MockClock.fromNanos(time.clock.nowNanos())

    /**
     * Starts over: a new empty store, a new mock clock at [start] and a new limiter; the old
     * limiter is closed, so its pending waiters fail.
     */
    public fun reset(): Unit = useTime(FixtureTime.Mock(MockClock(start)))

    /** Starts over on [time] with empty buckets: a new store and limiter; the old limiter is closed. */
    internal fun useTime(time: FixtureTime) {
        limiter.close()
        this.time = time
        store = LocalBucketStore()
        limiter = build()
    }

    /**
     * Moves the clock to [timestamp], waking the waiters whose time has come.
     *
     * @throws IllegalArgumentException when [timestamp] is before [now]: the clock only moves forward.
     */
    public fun setMockClock(timestamp: Instant) {
        val nanos = MockClock.toNanos(timestamp) - time.clock.nowNanos()
        require(nanos >= 0) {
            "the clock only moves forward: cannot set it to $timestamp, it reads ${now()}; " +
                "use a later timestamp or call reset() to start over at $start"
        }
        time.advance(nanos)
    }

    /**
     * Moves the clock forward by [duration], waking the waiters whose time has come.
     *
     * @throws IllegalArgumentException when [duration] is negative.
     */
    public fun advanceTime(duration: JavaDuration) {
        require(!duration.isNegative) { "duration must not be negative, was $duration; the clock only moves forward" }
        time.advance(duration.toNanos())
    }

    /** Kotlin form of [advanceTime]. */
    @JvmSynthetic
    public fun advanceTime(duration: Duration): Unit = advanceTime(duration.toJavaDuration())

    /**
     * Takes every permit [key] has right now and returns how many; 0 when it had none.
     *
     * The permits are taken through [limiter], so they count in its usage statistics, and no
     * request is denied on the way.
     */
    @JvmOverloads
    public fun exhaust(key: String = DEFAULT_KEY): Long {
        var taken = 0L
        while (true) {
            val remaining = blocking.getRemainingQuota(key)
            if (remaining <= 0) return taken
            val decision = blocking.tryAcquire(key, remaining)
            check(decision.allowed) {
                "key '$key' reported $remaining permit(s) remaining but denied taking them: $decision"
            }
            taken += remaining
        }
    }

    /**
     * Takes [permits] from [key] now and returns the decision.
     *
     * @throws AssertionError when the request is denied, with the decision's reason and retryAfter.
     */
    @JvmOverloads
    public fun assertAllowed(key: String = DEFAULT_KEY, permits: Long = 1): Decision {
        val decision = blocking.tryAcquire(key, permits)
        if (!decision.allowed) {
            fail(
                "expected $permits permit(s) for key '$key' to be allowed but the request was denied " +
                    "(${decision.reason}, retry after ${decision.retryAfter.pretty()})",
            )
        }
        return decision
    }

    /**
     * Tries to take [permits] from [key] now and returns the denying decision.
     *
     * @throws AssertionError when the request is granted (the permits are then taken).
     */
    @JvmOverloads
    public fun assertDenied(key: String = DEFAULT_KEY, permits: Long = 1): Decision {
        val decision = blocking.tryAcquire(key, permits)
        if (decision.allowed) {
            fail(
                "expected $permits permit(s) for key '$key' to be denied but the request was allowed " +
                    "(${decision.remaining} remaining)",
            )
        }
        return decision
    }

    /**
     * Checks that [key] may make exactly [expected] requests of cost 1 right now; takes nothing.
     *
     * @throws AssertionError with the expected and the actual count.
     */
    @JvmOverloads
    public fun assertRemaining(key: String = DEFAULT_KEY, expected: Long) {
        val actual = blocking.getRemainingQuota(key)
        if (actual != expected) fail("expected key '$key' to have $expected permit(s) remaining but it has $actual")
    }

    /**
     * Checks that [permits] from [key] can be taken in exactly [expected] from now (zero when
     * they can be taken now); takes nothing.
     *
     * @throws AssertionError with the expected and the actual wait.
     */
    @JvmOverloads
    public fun assertRetryAfter(key: String = DEFAULT_KEY, expected: JavaDuration, permits: Long = 1) {
        val now = time.clock.nowNanos()
        val next = MockClock.toNanos(blocking.nextAvailableTimestamp(key, permits))
        val actual = JavaDuration.ofNanos(next - now)
        if (actual != expected) {
            fail(
                "expected $permits permit(s) for key '$key' to be available after ${expected.pretty()} " +
                    "but they are available after ${actual.pretty()} (clock at ${now()})",
            )
        }
    }

    /** Kotlin form of [assertRetryAfter]. */
    @JvmSynthetic
    public fun assertRetryAfter(key: String = DEFAULT_KEY, expected: Duration, permits: Long = 1): Unit =
        assertRetryAfter(key, expected.toJavaDuration(), permits)

    /** Closes [limiter]; the fixture can be used again after [reset]. */
    override fun close(): Unit = limiter.close()

    override fun toString(): String = "TestRateLimiterFixture(policy=$policy, clock=${time.clock})"

    private fun build(): RateLimiter = RateLimiter(policy, store, time.clock, maxQueueSize)

    private fun fail(message: String): Nothing = throw AssertionError(message)

    private fun JavaDuration.pretty(): String = toKotlinDuration().toString()
}
