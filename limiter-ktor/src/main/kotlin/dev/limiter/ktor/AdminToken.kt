@file:JvmName("AdminTokens")

package dev.limiter.ktor

import dev.limiter.ktor.internal.respondProblem
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.response.header
import io.ktor.server.routing.Route
import io.ktor.server.routing.RouteSelector
import io.ktor.server.routing.RouteSelectorEvaluation
import io.ktor.server.routing.RoutingResolveContext
import java.security.MessageDigest

/**
 * Puts the routes built in [build] behind `Authorization: Bearer <token>`; returns the
 * subtree's route.
 *
 * A call without a bearer token is answered 401 with `WWW-Authenticate: Bearer`, one with a
 * wrong token 403, both as `application/problem+json`; the route's handler never runs for
 * them. Tokens are compared in constant time.
 *
 * @throws IllegalArgumentException when [token] is shorter than 16 characters.
 */
public fun Route.adminOnly(token: String, build: Route.() -> Unit): Route {
    require(token.length >= 16) {
        "admin token must be at least 16 characters, was ${token.length}; generate one with e.g. `openssl rand -hex 32`"
    }
    val child = createChild(AdminSelector)
    child.install(AdminTokenCheck) { expected = token.toByteArray() }
    child.build()
    return child
}

internal class AdminTokenSettings {
    var expected: ByteArray = ByteArray(0)
}

private val AdminTokenCheck = createRouteScopedPlugin("AdminTokenCheck", ::AdminTokenSettings) {
    val expected = pluginConfig.expected
    onCall { call -> call.checkBearer(expected) }
}

private suspend fun ApplicationCall.checkBearer(expected: ByteArray) {
    val header = request.headers[HttpHeaders.Authorization]
    val given = header?.takeIf { it.startsWith("Bearer ", ignoreCase = true) }?.substring(7)?.trim()
    if (given.isNullOrEmpty()) {
        response.header(HttpHeaders.WWWAuthenticate, "Bearer realm=\"limiter-admin\"")
        respondProblem(HttpStatusCode.Unauthorized, "admin-token-missing", "Send the admin token as Authorization: Bearer <token>.")
    } else if (!MessageDigest.isEqual(given.toByteArray(), expected)) {
        respondProblem(HttpStatusCode.Forbidden, "admin-token-wrong", "The admin token is not valid.")
    }
}

private object AdminSelector : RouteSelector() {
    override suspend fun evaluate(context: RoutingResolveContext, segmentIndex: Int): RouteSelectorEvaluation =
        RouteSelectorEvaluation.Transparent

    override fun toString(): String = "(admin token)"
}
