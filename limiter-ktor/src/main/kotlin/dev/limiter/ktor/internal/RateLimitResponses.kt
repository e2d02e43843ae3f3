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
import java.util.concurrent.ConcurrentHashMap

/** `application/problem+json` (RFC 9457). */
internal val ProblemJson: ContentType = ContentType("application", "problem+json")

/** Returns [d] in whole seconds, rounded up: 1.2 s → 2, 0 → 0. */
internal fun ceilSeconds(d: Duration): Long = if (d.nano == 0) d.seconds else d.seconds + 1

/**
 * What the headers say about one level, worked out once per policy rather than per call: its
 * name as a structured-field string and its window (the time to refill an empty bucket).
 */
internal class LevelHeader(val name: String, val policy: LimitPolicy?) {
    val quotedName: String = sfString(name)
    val windowSeconds: Long? = policy?.let { ceilSeconds(it.fillTime) }

    companion object {
        fun of(policy: LimitPolicy): LevelHeader = LevelHeader(policy.name ?: policy.id, policy)
    }
}

/** [LevelHeader]s by level name, rebuilt when a name's policy changes (config update). */
internal class HeaderValues {
    private val byName = ConcurrentHashMap<String, LevelHeader>()

    fun of(name: String, policy: LimitPolicy?): LevelHeader {
        byName[name]?.let { if (it.policy === policy) return it }
        return LevelHeader(name, policy).also { if (byName.size < MAX_NAMES) byName[name] = it }
    }

    private companion object {
        const val MAX_NAMES = 10_000
    }
}

/** Writes the rate-limit headers [style] asks for, describing [decision] of the level [level]. */
internal fun ApplicationCall.rateLimitHeaders(style: HeaderStyle, level: LevelHeader, decision: Decision) {
    val reset = ceilSeconds(decision.resetAfter)
    if (style == HeaderStyle.IETF || style == HeaderStyle.BOTH) {
        val name = level.quotedName
        val window = level.windowSeconds ?: reset
        response.header("RateLimit-Policy", "$name;q=${decision.limit};w=$window")
        response.header("RateLimit", "$name;r=${decision.remaining};t=$reset")
    }
    if (style == HeaderStyle.LEGACY || style == HeaderStyle.BOTH) {
        response.header("X-RateLimit-Limit", decision.limit.toString())
        response.header("X-RateLimit-Remaining", decision.remaining.toString())
        response.header("X-RateLimit-Reset", reset.toString())
    }
}

/** Answers 429 with `Retry-After` and a problem body naming the level that refused. */
internal suspend fun ApplicationCall.respondLimited(level: LevelHeader, decision: Decision) {
    val retryAfter = ceilSeconds(decision.retryAfter).coerceAtLeast(1)
    response.header(HttpHeaders.RetryAfter, retryAfter.toString())
    val name = level.name
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
