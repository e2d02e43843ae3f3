package dev.limiter.ktor

import dev.limiter.KeyUsage
import dev.limiter.RateLimits
import dev.limiter.ktor.internal.respondProblem
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.respondText
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.get
import kotlinx.coroutines.CancellationException
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

/**
 * The usage half of the admin routes, read from the plugin's engine: cluster-wide when the
 * store pools usage (Redis), this node's otherwise; over the last 60 minutes.
 *
 * - `GET usage/top?limit=10`: the busiest keys, busiest first.
 * - `GET usage/{key}`: one key's allowed, rejected and permits granted.
 *
 * 503 when the store cannot be read.
 */
internal fun Route.usageAdminRoutes() {
    val engine = application.rateLimitEngine
    get("/usage/top") {
        val limit = call.request.queryParameters["limit"]?.toIntOrNull()?.coerceIn(1, 1_000) ?: 10
        call.usage(engine) { buildJsonObject { put("keys", buildJsonArray { topKeys(limit).forEach { add(describe(it)) } }) } }
    }
    get("/usage/{key}") {
        val key = call.parameters["key"].orEmpty()
        call.usage(engine) { describe(usage(key)) }
    }
}

private suspend fun ApplicationCall.usage(engine: RateLimits, read: suspend RateLimits.() -> JsonObject) {
    val body = try {
        engine.read()
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        return respondProblem(HttpStatusCode.ServiceUnavailable, "usage-unavailable", "Usage counts cannot be read right now; retry later.")
    }
    respondText(buildJsonObject { put("windowMinutes", WINDOW_MINUTES); body.forEach { (k, v) -> put(k, v) } }.toString(), ContentType.Application.Json)
}

private fun describe(u: KeyUsage): JsonObject = buildJsonObject {
    put("key", u.key); put("allowed", u.allowed); put("rejected", u.rejected); put("permitsGranted", u.permitsGranted)
}

private const val WINDOW_MINUTES = 60
