@file:JvmName("DashboardRouting")

package dev.limiter.ktor

import dev.limiter.ktor.internal.DashboardAccess
import dev.limiter.ktor.internal.DashboardAccessCheck
import dev.limiter.ktor.internal.DashboardFeed
import dev.limiter.ktor.internal.DashboardPages
import dev.limiter.ktor.internal.DashboardPages.secureHeaders
import dev.limiter.ktor.internal.DashboardSampler
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.application.pluginOrNull
import io.ktor.server.request.receiveParameters
import io.ktor.server.response.header
import io.ktor.server.response.respond
import io.ktor.server.response.respondText
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.route
import io.ktor.server.sse.SSE
import io.ktor.server.sse.sse
import io.ktor.server.routing.RouteSelector
import io.ktor.server.routing.RouteSelectorEvaluation
import io.ktor.server.routing.RoutingResolveContext
import kotlinx.coroutines.flow.first
import java.time.Duration
import kotlin.time.toKotlinDuration

/**
 * Serves a live dashboard of the [RateLimiting] plugin at [path], behind the admin [token];
 * returns the dashboard's route. Never rate limited itself.
 *
 * - `GET {path}`: the page for a browser that logged in (or a call with `Authorization:
 *   Bearer <token>`); otherwise a login form, with status 401.
 * - `POST {path}/login` (form field `token`): the right token opens a session (an `HttpOnly`,
 *   `SameSite=Strict` cookie holding a random id, never the token) and redirects to the page;
 *   a wrong one answers the form again with 401.
 * - `GET {path}/events`: Server-Sent Events, one JSON snapshot per [tick]: decisions per
 *   second and in total by policy and outcome (from the `limiter.requests` counters, so the
 *   plugin needs a `meterRegistry`), the busiest keys (API keys shortened as the logs shorten
 *   them), backend state, queue depth and the adaptive factor when a `limiter.adaptive.factor`
 *   gauge exists. 401 without the token or a session.
 * - `GET {path}/snapshot`: the latest snapshot as JSON, same access rule.
 *
 * A snapshot is taken once per tick and sent to every viewer, so a hundred open dashboards
 * cost about what one does; nothing is sampled while no one watches. The page draws with
 * `textContent` and SVG only and is served with a strict Content-Security-Policy.
 *
 * @throws IllegalArgumentException when [token] is shorter than 16 characters or [tick] is
 * not positive.
 * @throws IllegalStateException when the [RateLimiting] plugin is not installed.
 */
public fun Route.rateLimitDashboard(
    token: String,
    path: String = "/admin/limits/dashboard",
    tick: Duration = Duration.ofSeconds(1),
): Route {
    require(token.length >= 16) {
        "admin token must be at least 16 characters, was ${token.length}; generate one with e.g. `openssl rand -hex 32`"
    }
    require(!tick.isNegative && !tick.isZero) { "tick must be positive, was $tick; use e.g. Duration.ofSeconds(1)" }
    val app = application
    val enforcer = app.enforcer()
    if (app.pluginOrNull(SSE) == null) app.install(SSE)
    val tickSeconds = tick.toNanos() / 1e9
    val feed = DashboardFeed(app, tick.toKotlinDuration()) {
        DashboardSampler(enforcer.meterRegistry, { enforcer.backendState }, { n -> enforcer.engine.topKeys(n) }, tickSeconds)
    }
    val base = path.trimEnd('/')
    val access = DashboardAccess(token.toByteArray(), base.ifEmpty { "/" }, enforcer.clock)
    return unlimited {
        route(path) {
            get {
                if (access.allows(call)) DashboardPages.respondPage(call, base)
                else DashboardPages.respondLogin(call, base, "Enter the admin token to see the dashboard.", HttpStatusCode.Unauthorized)
            }
            post("/login") {
                val given = call.receiveParameters()["token"].orEmpty()
                if (access.tokenMatches(given)) {
                    access.openSession(call)
                    call.response.header(HttpHeaders.Location, base.ifEmpty { "/" })
                    call.respond(HttpStatusCode.SeeOther)
                } else {
                    DashboardPages.respondLogin(call, base, "That token is not valid.", HttpStatusCode.Unauthorized)
                }
            }
            get("/assets/{name}") {
                val (body, type) = DashboardPages.assets[call.parameters["name"]] ?: return@get call.respond(HttpStatusCode.NotFound)
                call.secureHeaders()
                call.respondText(body, type)
            }
            createChild(TokenOrSession).apply {
                install(DashboardAccessCheck) { this.access = access }
                get("/snapshot") { call.respondText(feed.snapshots.first().json, ContentType.Application.Json) }
                sse("/events") {
                    feed.snapshots.collect { send(data = it.json, event = "snapshot") }
                }
            }
        }
    }
}

private object TokenOrSession : RouteSelector() {
    override suspend fun evaluate(context: RoutingResolveContext, segmentIndex: Int): RouteSelectorEvaluation =
        RouteSelectorEvaluation.Transparent

    override fun toString(): String = "(dashboard token or session)"
}
