package dev.limiter.samples.kotlin

import dev.limiter.RateLimiter
import kotlin.time.Duration.Companion.seconds

/**
 * Code under test in `ReportClientSpec`: asks the report backend for a developer's report,
 * waiting up to 30 seconds for that developer's permit.
 */
// snippet:kotlin-report-client
class ReportClient(private val limiter: RateLimiter, private val backend: suspend (String) -> String) {
    /** Returns the backend's report for [developerId]; throws RateLimitExceededException when no permit comes in 30 s. */
    suspend fun report(developerId: String): String =
        limiter.queueRequest(developerId, priority = 0, maxWait = 30.seconds) { backend(developerId) }
}
// end-snippet
