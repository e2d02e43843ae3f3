package dev.limiter.testing

import dev.limiter.LimiterClock
import kotlinx.coroutines.test.TestCoroutineScheduler
import java.time.Instant

/**
 * A clock that reads a `runTest` scheduler's virtual time, starting at [origin].
 *
 * A limiter on this clock waits with `delay`, which the test scheduler skips: a wait of an
 * hour finishes at once, and `currentTime` has moved by exactly the wait. Virtual time has
 * millisecond resolution, so waits are rounded up to the next millisecond.
 */
public class VirtualClock @JvmOverloads constructor(
    private val scheduler: TestCoroutineScheduler,
    /** The instant virtual time zero stands for. */
    public val origin: Instant = MockClock.DEFAULT_START,
) : LimiterClock {
    private val originNanos = MockClock.toNanos(origin)

    @OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
    override fun nowNanos(): Long = originNanos + scheduler.currentTime * 1_000_000L

    /** Returns the current virtual time as an [Instant]. */
    public fun instant(): Instant = MockClock.fromNanos(nowNanos())

    override fun toString(): String = "VirtualClock(${instant()})"
}
