@file:JvmName("QuotaWidgetRouting")

package dev.limiter.ktor

import dev.limiter.RateLimits
import dev.limiter.ktor.internal.DashboardPages
import dev.limiter.ktor.internal.DashboardSampler
import dev.limiter.ktor.internal.respondProblem
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.header
import io.ktor.server.response.respondText
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.get
import io.ktor.server.routing.route
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

/**
 * Serves a "requests left" widget for documentation pages at [path]; returns its route.
 * Never rate limited itself, and it consumes nothing from the quota it shows.
 *
 * - `GET {path}/widget.js`: the script. A page includes it as
 *   `<script src="{path}/widget.js" data-key-input="#api-key"></script>`; it reads the API key
 *   the reader typed into that input and shows, next to the script tag (or in the element
 *   `data-target` selects), how many requests the key has left, refreshed every
 *   `data-refresh-seconds` (default 2). It writes text only, never markup.
 * - `GET {path}/quota`: the quota of the API key sent in the plugin's API-key header (never in
 *   the URL, so it stays out of access logs): policy, limit, remaining and seconds until
 *   full, plus the key shortened as the logs shorten it. 400 without a key. It answers only
 *   for the key sent, so it reveals nothing about other keys.
 *
 * The widget calls `{path}/quota` on the page's own origin. A docs site on another origin
 * needs CORS on this route allowing that origin and the API-key header (Ktor's `CORS` plugin,
 * `allowHeader("X-API-Key")`); list origins one by one, never `anyHost()`, since the answer is
 * about the reader's key.
 *
 * @throws IllegalStateException when the [RateLimiting] plugin is not installed.
 */
public fun Route.quotaWidget(path: String = "/limiter/widget"): Route {
    val enforcer = application.enforcer()
    return unlimited {
        route(path) {
            get("/widget.js") {
                call.response.header("X-Content-Type-Options", "nosniff")
                call.respondText(DashboardPages.widgetScript, ContentType.Application.JavaScript)
            }
            get("/quota") {
                call.response.header(HttpHeaders.CacheControl, "no-store")
                val header = enforcer.apiKeyHeaderName
                val key = call.request.headers[header]?.trim()?.takeIf { it.isNotEmpty() }
                    ?: return@get call.respondProblem(HttpStatusCode.BadRequest, "api-key-missing",
                        "Send the API key whose quota you want in the $header header.")
                call.respondJson(quotaOf(enforcer.engine, key))
            }
        }
    }
}

/**
 * [key]'s quota as the engine sees it now, consuming nothing. The engine is asked with the raw
 * API key, the same key its `keys:` tier assignments use.
 */
private suspend fun quotaOf(engine: RateLimits, key: String) = engine.status(key).let { status ->
    buildJsonObject {
        put("key", DashboardSampler.shortKey(key))
        put("policy", status.policy)
        put("limit", status.limit)
        put("remaining", status.remaining)
        put("resetSeconds", status.resetAfter.toMillis() / 1000.0)
    }
}
