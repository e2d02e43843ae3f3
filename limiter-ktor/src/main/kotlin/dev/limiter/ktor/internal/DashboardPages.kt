package dev.limiter.ktor.internal

import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.header
import io.ktor.server.response.respondText

/**
 * The dashboard's and widget's files, read once from `dev/limiter/ktor/dashboard/` on the
 * classpath, and the headers that keep a page safe to show.
 */
internal object DashboardPages {
    private const val ROOT = "dev/limiter/ktor/dashboard/"

    /**
     * Scripts and styles only from this server, data only from this server, no plugins, no
     * framing, no inline script: a value that slipped into the page as markup could not run.
     */
    const val CONTENT_SECURITY_POLICY: String = "default-src 'none'; script-src 'self'; style-src 'self'; " +
        "connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /** Assets served under `$path/assets/`, by name, with their types. */
    val assets: Map<String, Pair<String, ContentType>> = mapOf(
        "dashboard.js" to (read("dashboard.js") to ContentType.Application.JavaScript),
        "dashboard.css" to (read("dashboard.css") to ContentType.Text.CSS),
    )

    val widgetScript: String = read("widget.js")
    private val page: String = read("dashboard.html")
    private val login: String = read("login.html")

    fun read(name: String): String = DashboardPages::class.java.classLoader.getResource(ROOT + name)
        ?.readText() ?: error("missing resource $ROOT$name: the limiter-ktor jar is incomplete")

    suspend fun respondPage(call: ApplicationCall, base: String) {
        call.secureHeaders()
        call.respondText(page.replace("{{base}}", escapeHtml(base)), ContentType.Text.Html)
    }

    suspend fun respondLogin(call: ApplicationCall, base: String, message: String, status: HttpStatusCode) {
        call.secureHeaders()
        call.response.header(HttpHeaders.WWWAuthenticate, "Bearer realm=\"limiter-dashboard\"")
        val html = login.replace("{{base}}", escapeHtml(base)).replace("{{message}}", escapeHtml(message))
        call.respondText(html, ContentType.Text.Html, status)
    }

    fun ApplicationCall.secureHeaders() {
        response.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.header("X-Content-Type-Options", "nosniff")
        response.header("Referrer-Policy", "no-referrer")
        response.header(HttpHeaders.CacheControl, "no-store")
    }

    fun escapeHtml(text: String): String = buildString(text.length) {
        text.forEach { c ->
            when (c) {
                '<' -> append("&lt;"); '>' -> append("&gt;"); '&' -> append("&amp;")
                '"' -> append("&quot;"); '\'' -> append("&#39;"); else -> append(c)
            }
        }
    }
}
