package dev.limiter.testing.internal

import dev.limiter.LimiterClock
import dev.limiter.testing.MockClock
import dev.limiter.testing.VirtualClock
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestCoroutineScheduler

/**
 * The time a `TestRateLimiterFixture` runs on, and how to move it.
 *
 * Virtual time lives in its own class, reached only from `useVirtualTime`, so that the fixture
 * loads, and can be reflected on, without kotlinx-coroutines-test on the class path.
 */
internal sealed interface FixtureTime {
    val clock: LimiterClock

    /** Moves time forward by [nanos] (not negative) and runs whatever became due. */
    fun advance(nanos: Long)

    class Mock(override val clock: MockClock) : FixtureTime {
        override fun advance(nanos: Long) = clock.advance(java.time.Duration.ofNanos(nanos))
    }

    @OptIn(ExperimentalCoroutinesApi::class) // advanceTimeBy and runCurrent: stable in use, still marked experimental
    class Virtual(private val scheduler: TestCoroutineScheduler, override val clock: VirtualClock) : FixtureTime {
        override fun advance(nanos: Long) {
            require(nanos % 1_000_000L == 0L) {
                "virtual time moves in whole milliseconds, cannot advance by ${nanos}ns; " +
                    "advance by a whole number of milliseconds, or stay on the mock clock for finer steps"
            }
            scheduler.advanceTimeBy(nanos / 1_000_000L)
            scheduler.runCurrent()
        }
    }
}
