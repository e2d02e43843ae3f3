package dev.limiter.ktor.internal

import dev.limiter.LimiterClock
import io.ktor.http.Cookie
import io.ktor.http.HttpHeaders
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.plugins.origin
import io.ktor.server.response.header
import io.ktor.http.HttpStatusCode
import java.security.MessageDigest
import java.security.SecureRandom
import java.util.Base64
import java.util.concurrent.ConcurrentHashMap

/**
 * Who may see a dashboard: a caller with `Authorization: Bearer <token>`, or a browser holding
 * a session cookie it got by posting the token to the login form.
 *
 * The token never travels in a URL (it would land in access logs and browser history) and
 * never reaches the page: the cookie holds a random session id, `HttpOnly` so no script can
 * read it, `SameSite=Strict` so no other site can ride on it, `Secure` over HTTPS, scoped to
 * the dashboard's path, and valid for [sessionNanos]. Tokens are compared in constant time.
 * Sessions live in this node's memory: a restart or another node asks for the token again.
 */
internal class DashboardAccess(
    private val token: ByteArray,
    private val path: String,
    private val clock: LimiterClock,
    private val sessionNanos: Long = 8 * 3600 * 1_000_000_000L,
) {
    private val sessions = ConcurrentHashMap<String, Long>()
    private val random = SecureRandom()

    /** Whether [call] carries the bearer token or a live session cookie. */
    fun allows(call: ApplicationCall): Boolean {
        val header = call.request.headers[HttpHeaders.Authorization]
        val bearer = header?.takeIf { it.startsWith("Bearer ", ignoreCase = true) }?.substring(7)?.trim()
        if (!bearer.isNullOrEmpty()) return tokenMatches(bearer)
        val session = call.request.cookies[COOKIE] ?: return false
        val expires = sessions[session] ?: return false
        if (expires - clock.nowNanos() > 0) return true
        sessions.remove(session)
        return false
    }

    /** Whether [given] is the token. */
    fun tokenMatches(given: String): Boolean = MessageDigest.isEqual(given.toByteArray(), token)

    /** Opens a session for [call]'s browser: sets its cookie. */
    fun openSession(call: ApplicationCall) {
        val now = clock.nowNanos()
        if (sessions.size >= MAX_SESSIONS) sessions.entries.removeIf { it.value - now <= 0 }
        if (sessions.size >= MAX_SESSIONS) sessions.keys.firstOrNull()?.let(sessions::remove)
        val id = ByteArray(32).also(random::nextBytes).let { Base64.getUrlEncoder().withoutPadding().encodeToString(it) }
        sessions[id] = now + sessionNanos
        call.response.cookies.append(
            Cookie(
                COOKIE, id, path = path, httpOnly = true, secure = call.request.origin.scheme == "https",
                maxAge = (sessionNanos / 1_000_000_000L).toInt(), extensions = mapOf("SameSite" to "Strict"),
            ),
        )
    }

    companion object {
        const val COOKIE = "limiter_dashboard"
        const val MAX_SESSIONS = 1_000
    }
}

internal class DashboardAccessSettings {
    var access: DashboardAccess? = null
}

/** Answers 401 (problem+json) to a call [DashboardAccess.allows] refuses; its handler never runs. */
internal val DashboardAccessCheck = createRouteScopedPlugin("DashboardAccessCheck", ::DashboardAccessSettings) {
    val access = checkNotNull(pluginConfig.access) { "DashboardAccessCheck needs its access" }
    onCall { call ->
        if (!access.allows(call)) {
            call.response.header(HttpHeaders.WWWAuthenticate, "Bearer realm=\"limiter-dashboard\"")
            call.respondProblem(HttpStatusCode.Unauthorized, "dashboard-token-missing",
                "Send the admin token as Authorization: Bearer <token>, or log in on the dashboard page.")
        }
    }
}
