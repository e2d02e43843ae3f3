package dev.limiter.portal

import dev.limiter.Decision
import dev.limiter.LimitPolicy
import dev.limiter.ktor.appendRateLimitHeaders
import io.ktor.server.application.ApplicationCall

/**
 * Adds the rate-limit headers of a `GET /v1/status` answer: remaining, limit and reset as the
 * bucket stands, but never `Retry-After`. Status always answers 200, and RFC 9110 gives
 * `Retry-After` meaning only on 503 and 3xx (and, by custom, 429); on a 200 it told clients and
 * proxies to back off from a call that had succeeded. When the bucket is empty the JSON body's
 * `retryAfterSeconds` still says when a check would pass.
 */
fun ApplicationCall.appendStatusHeaders(policy: LimitPolicy, bucket: Decision) {
    val shown = if (bucket.allowed) bucket else Decision.fromMicros(
        true, bucket.remaining, bucket.limit, 0, bucket.resetAfter.toNanos() / 1_000, bucket.key, null,
    )
    appendRateLimitHeaders(policy, shown)
}
