package dev.limiter.ktor.internal

import dev.limiter.Decision
import dev.limiter.LimitPolicy
import dev.limiter.ktor.HeaderStyle
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.header
import io.ktor.server.response.respondText
import kotlinx.serialization.json.JsonObjectBuilder
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.time.Duration

/** `application/problem+json` (RFC 9457). */
internal val ProblemJson: ContentType = ContentType("application", "problem+json")

/** Returns [d] in whole seconds, rounded up: 1.2 s → 2, 0 → 0. */
internal fun ceilSeconds(d: Duration): Long = if (d.nano == 0) d.seconds else d.seconds + 1

/** Returns the policy's window in whole seconds, rounded up: the time to refill an empty bucket. */
internal fun windowSeconds(policy: LimitPolicy): Long {
    val micros = policy.capacity.toBigInteger()
        .multiply(policy.rate.periodMicros.toBigInteger())
        .divide(policy.rate.amount.toBigInteger()).toLong()
    return (micros + 999_999) / 1_000_000
}

/** Writes the rate-limit headers [style] asks for, describing [decision] under [policy]. */
internal fun ApplicationCall.rateLimitHeaders(style: HeaderStyle, policy: LimitPolicy, decision: Decision) {
    val reset = ceilSeconds(decision.resetAfter)
    if (style == HeaderStyle.IETF || style == HeaderStyle.BOTH) {
        val name = sfString(policy.name ?: policy.id)
        response.header("RateLimit-Policy", "$name;q=${decision.limit};w=${windowSeconds(policy)}")
        response.header("RateLimit", "$name;r=${decision.remaining};t=$reset")
    }
    if (style == HeaderStyle.LEGACY || style == HeaderStyle.BOTH) {
        response.header("X-RateLimit-Limit", decision.limit.toString())
        response.header("X-RateLimit-Remaining", decision.remaining.toString())
        response.header("X-RateLimit-Reset", reset.toString())
    }
}

/** Answers 429 with `Retry-After` and a problem body naming the policy. */
internal suspend fun ApplicationCall.respondLimited(policy: LimitPolicy, decision: Decision) {
    val retryAfter = ceilSeconds(decision.retryAfter).coerceAtLeast(1)
    response.header(HttpHeaders.RetryAfter, retryAfter.toString())
    val name = policy.name ?: policy.id
    respondProblem(HttpStatusCode.TooManyRequests, "rate-limited", "Rate limit of policy '$name' exceeded; retry after $retryAfter s.") {
        put("policy", name)
        put("retryAfter", retryAfter)
        put("limit", decision.limit)
        put("remaining", decision.remaining)
        put("reason", decision.reason?.name)
    }
}

/** Answers [status] with an `application/problem+json` body. */
internal suspend fun ApplicationCall.respondProblem(
    status: HttpStatusCode,
    type: String,
    detail: String,
    extra: JsonObjectBuilder.() -> Unit = {},
) {
    val body = buildJsonObject {
        put("type", "urn:dev.limiter:problem:$type")
        put("title", status.description)
        put("status", status.value)
        put("detail", detail)
        extra()
    }
    respondText(body.toString(), ProblemJson, status)
}

/** Returns [value] as a structured-field string (RFC 8941): quoted, with `\` and `"` escaped. */
internal fun sfString(value: String): String =
    "\"" + value.filter { it.code in 0x20..0x7e }.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
