package dev.limiter.testing

import dev.limiter.LimitPolicy
import io.kotest.core.extensions.MountableExtension
import io.kotest.core.listeners.AfterSpecListener
import io.kotest.core.listeners.BeforeEachListener
import io.kotest.core.spec.Spec
import io.kotest.core.test.TestCase
import java.time.Instant

/**
 * Runs a [TestRateLimiterFixture] in a Kotest spec: resets it (buckets, clock, limiter)
 * before each test and closes it after the spec.
 *
 * ```
 * class QuotaSpec : FunSpec({
 *     val fixture = install(TestRateLimiterKotestExtension(LimitPolicy.tokenBucket(10, Rate.perSecond(10))))
 *     test("the eleventh call waits 100 ms") {
 *         fixture.exhaust("dev-42")
 *         fixture.assertRetryAfter("dev-42", 100.milliseconds)
 *     }
 * })
 * ```
 *
 * `install` returns the fixture. There is nothing to configure in `install`'s block: the policy
 * and start go to the constructor, and anything a block did to the fixture would be undone by
 * the reset before each test.
 * Lives apart from the fixture so that JUnit-only users never load Kotest classes.
 */
public class TestRateLimiterKotestExtension(
    /** The fixture this extension resets. */
    public val fixture: TestRateLimiterFixture,
) : MountableExtension<Unit, TestRateLimiterFixture>, BeforeEachListener, AfterSpecListener {
    /** Creates the extension with a new fixture for [policy] whose clock starts at [start]. */
    public constructor(policy: LimitPolicy, start: Instant = MockClock.DEFAULT_START) :
        this(TestRateLimiterFixture(policy, start))

    /** Returns the fixture; [configure] has nothing to configure. */
    override fun mount(configure: Unit.() -> Unit): TestRateLimiterFixture = fixture.also { Unit.configure() }

    /** Resets the fixture: new buckets, clock at its start, new limiter. */
    override suspend fun beforeEach(testCase: TestCase): Unit = fixture.reset()

    /** Closes the fixture's limiter. */
    override suspend fun afterSpec(spec: Spec): Unit = fixture.close()
}
