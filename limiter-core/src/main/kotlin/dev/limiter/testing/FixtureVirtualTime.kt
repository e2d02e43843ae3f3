@file:JvmName("FixtureVirtualTime")

package dev.limiter.testing

import dev.limiter.testing.internal.FixtureTime
import kotlinx.coroutines.test.TestCoroutineScheduler

/**
 * Moves this fixture onto [scheduler]'s virtual time (under `runTest`, pass `testScheduler`)
 * with empty buckets, and returns it: a new store and limiter on a [VirtualClock] whose virtual
 * time zero is [TestRateLimiterFixture.start]. The limiter's waits then finish as the scheduler
 * skips time, and [TestRateLimiterFixture.advanceTime] moves the scheduler (in whole
 * milliseconds) and runs what became due. The next [TestRateLimiterFixture.reset] goes back to
 * a mock clock.
 *
 * An extension rather than a member so that the fixture never refers to
 * kotlinx-coroutines-test, which only Kotlin coroutine tests have on their class path.
 */
public fun TestRateLimiterFixture.useVirtualTime(scheduler: TestCoroutineScheduler): TestRateLimiterFixture = apply {
    useTime(FixtureTime.Virtual(scheduler, VirtualClock(scheduler, start)))
}
