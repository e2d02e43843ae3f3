package dev.limiter.ktor

import dev.limiter.config.ConfigError
import dev.limiter.config.ConfigStore
import dev.limiter.config.PublishResult
import dev.limiter.config.VersionedConfig
import dev.limiter.ktor.internal.ConfigFollowing
import dev.limiter.ktor.internal.respondProblem
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.plugins.origin
import io.ktor.server.request.header
import io.ktor.server.request.receiveText
import io.ktor.server.response.header
import io.ktor.server.response.respondText
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.put
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import org.slf4j.LoggerFactory

/**
 * The config half of the admin routes, publishing through the plugin's [ConfigStore]
 * ([RateLimitingConfig.configStore]; an in-memory one by default):
 *
 * - `GET config`: the latest version's YAML, `ETag: "<version>"`.
 * - `PUT config`: publishes the body as the next version. With `If-Match: "<version>"` it is
 *   refused with 412 when another version was published since; without it, it replaces
 *   whatever is latest. 400 (problem+json) lists every error of an invalid config, which is
 *   not stored; 503 when the store (Redis) cannot be reached. 200 once this node enforces it.
 * - `GET config/history?limit=20`: the newest versions, newest first (version, time, author).
 * - `POST config/rollback/{version}`: publishes an earlier version's YAML again, as a new version.
 *
 * Every publish logs one audit line (`dev.limiter.ktor.ConfigAudit`): the version, the author
 * from the `X-Author` header (or `admin`), the client address; never the token or the YAML.
 */
internal fun Route.configAdminRoutes() {
    val following = application.attributes[ConfigFollowing.Key]
    val store = following.store
    get("/config") {
        val latest = call.fromStore { store.current() } ?: return@get
        val current = latest.value ?: return@get call.respondProblem(
            HttpStatusCode.ServiceUnavailable, "config-store-empty", "The config store holds no version yet; PUT one.",
        )
        call.response.header(HttpHeaders.ETag, "\"${current.version}\"")
        call.respondText(current.yaml, ContentType("application", "yaml"))
    }
    put("/config") {
        val match = call.request.header(HttpHeaders.IfMatch)
        val expected = if (match == null || match.trim() == "*") null else parseETag(match) ?: return@put call.respondProblem(
            HttpStatusCode.PreconditionFailed, "stale-version", "If-Match '$match' names no version; send the ETag of GET config, e.g. \"3\".",
        )
        val yaml = call.receiveText()
        call.publish(following, yaml, expected, "publish")
    }
    get("/config/history") {
        val limit = call.request.queryParameters["limit"]?.toIntOrNull()?.coerceIn(1, 1_000) ?: 20
        val history = call.fromStore { store.history(limit) } ?: return@get
        call.respondText(buildJsonObject {
            put("versions", buildJsonArray { history.value.forEach { add(describe(it)) } })
        }.toString(), ContentType.Application.Json)
    }
    post("/config/rollback/{version}") {
        val target = call.parameters["version"]?.toLongOrNull() ?: return@post call.respondProblem(
            HttpStatusCode.BadRequest, "bad-version", "rollback needs a version number, e.g. /config/rollback/3",
        )
        val history = call.fromStore { store.history(ROLLBACK_SEARCH) } ?: return@post
        val old = history.value.firstOrNull { it.version == target } ?: return@post call.respondProblem(
            HttpStatusCode.NotFound, "unknown-version",
            "version $target is not in the history (kept: ${history.value.map { it.version }}); pick one of those",
        )
        val match = call.request.header(HttpHeaders.IfMatch)
        val expected = match?.let { parseETag(it) } ?: history.value.first().version
        call.publish(following, old.yaml, expected, "rollback to version $target")
    }
}

private suspend fun ApplicationCall.publish(following: ConfigFollowing, yaml: String, expected: Long?, action: String) {
    val store = following.store
    val author = request.header("X-Author")?.filter { it.isLetterOrDigit() || it in "@._- " }?.take(64)?.ifBlank { null } ?: "admin"
    var latestVersion = if (expected != null) expected else fromStore { store.current()?.version ?: 0L }?.value ?: return
    // Parsing and validating a large config is CPU work: off the event loop.
    var result = fromStore { withContext(Dispatchers.Default) { store.publish(yaml, latestVersion.takeIf { it > 0 }, author) } }?.value ?: return
    // Without If-Match the caller asked to replace whatever is latest: a publish that raced ours is replaced too.
    var retries = UNCONDITIONAL_RETRIES
    while (expected == null && result is PublishResult.Conflict && retries-- > 0) {
        latestVersion = result.currentVersion
        result = fromStore { withContext(Dispatchers.Default) { store.publish(yaml, latestVersion, author) } }?.value ?: return
    }
    when (result) {
        is PublishResult.Invalid -> respondProblem(
            HttpStatusCode.BadRequest, "invalid-config", "The config has ${result.report.errors.size} problem(s); nothing was published.",
        ) { put("errors", buildJsonArray { result.report.errors.forEach { add(describe(it)) } }) }
        is PublishResult.Conflict -> {
            response.header(HttpHeaders.ETag, "\"${result.currentVersion}\"")
            respondProblem(
                HttpStatusCode.PreconditionFailed, "stale-version",
                "version ${result.currentVersion} was published since version ${expected ?: latestVersion}; GET the config, merge, and PUT with If-Match: \"${result.currentVersion}\"",
            ) { put("currentVersion", result.currentVersion) }
        }
        is PublishResult.Published -> {
            val published = result.published
            audit.info("limits config {}: version {} by {} from {} ({} policies, {} bytes)", action, published.version, author,
                request.origin.remoteAddress, published.config.policies.size, yaml.length)
            val applied = following.awaitApplied(published.version)
            response.header(HttpHeaders.ETag, "\"${published.version}\"")
            respondText(buildJsonObject {
                put("status", if (applied) "applied" else "published")
                put("version", published.version)
                put("policies", published.config.policies.size)
            }.toString(), ContentType.Application.Json)
        }
    }
}

/** Runs a store call; on failure answers 503 and returns `null`. */
private suspend fun <T> ApplicationCall.fromStore(block: suspend () -> T): Box<T>? = try {
    Box(block())
} catch (e: CancellationException) {
    throw e
} catch (e: Exception) {
    storeLog.warn("config store unavailable: {}", e.toString())
    respondProblem(HttpStatusCode.ServiceUnavailable, "config-store-unavailable",
        "The config store cannot be reached; nothing was changed. Every node keeps its running config. Retry later.")
    null
}

/** Holds a value that may itself be `null`. */
private class Box<T>(val value: T)

private fun parseETag(value: String): Long? = value.trim().removePrefix("W/").trim('"').toLongOrNull()

private fun describe(version: VersionedConfig): JsonObject = buildJsonObject {
    put("version", version.version)
    put("publishedAt", version.publishedAt.toString())
    put("author", version.author)
    put("policies", version.config.policies.size)
}

private fun describe(e: ConfigError): JsonObject = buildJsonObject {
    put("path", e.path); put("line", e.line); put("column", e.column); put("message", e.message)
}

private val audit = LoggerFactory.getLogger("dev.limiter.ktor.ConfigAudit")
private val storeLog = LoggerFactory.getLogger("dev.limiter.ktor.ConfigStore")

/** Attempts of a `PUT` without `If-Match` that keeps meeting concurrent publishes. */
private const val UNCONDITIONAL_RETRIES = 3

/** How far back a rollback may reach. */
private const val ROLLBACK_SEARCH = 1_000
