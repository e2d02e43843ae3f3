package dev.limiter.testing

/**
 * The policy of the fixture that [TestRateLimiterExtension] gives a test declared with
 * `@ExtendWith(TestRateLimiterExtension.class)`; on the test method, or on the class for every
 * test in it (the method's wins).
 *
 * The fields read like the YAML configuration: `@TestRateLimiterPolicy(algorithm =
 * "token-bucket", capacity = 10, rate = "10/s")` is a token bucket of 10 refilled at 10 per
 * second. For window algorithms [capacity] is the limit and [rate] is `limit / window`.
 */
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class TestRateLimiterPolicy(
    /** The algorithm's id: `token-bucket`, `leaky-bucket`, `fixed-window`, `sliding-window-log`, `sliding-window-counter` or `gcra`. */
    val algorithm: String = "token-bucket",
    /** The capacity, window limit or GCRA burst. */
    val capacity: Long,
    /** The refill, drain or emission rate, or `limit / window`, as `Rate.parse` reads it: `10/s`, `1000/1h`. */
    val rate: String,
    /** The instant the clock starts at, ISO-8601 (`2026-01-01T00:00:00Z`); empty for [MockClock.DEFAULT_START]. */
    val start: String = "",
)
