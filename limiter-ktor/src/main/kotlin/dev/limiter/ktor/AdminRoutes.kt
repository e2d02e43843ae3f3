package dev.limiter.ktor

import dev.limiter.config.LimitsConfig
import dev.limiter.ktor.internal.LimitEnforcer
import dev.limiter.ktor.internal.respondProblem
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.request.receiveText
import io.ktor.server.response.respond
import io.ktor.server.response.respondText
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.delete
import io.ktor.server.routing.get
import io.ktor.server.routing.put
import io.ktor.server.routing.route
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonObject

/**
 * Adds the admin routes under [path], each behind `Authorization: Bearer <token>` (401
 * without a token, 403 with a wrong one); returns the admin subtree. They are never rate
 * limited themselves.
 *
 * - `GET {path}/config`: the limits in force, as YAML.
 * - `PUT {path}/config`: replaces them with the YAML body; 400 with every error when invalid.
 * - `GET {path}/keys/{key}?policy=`: a key's tokens, remaining quota and next available instant.
 * - `DELETE {path}/keys/{key}?policy=`: resets a key's bucket; 204.
 * - `GET {path}/stats`: usage counts per policy on this node.
 *
 * `{key}` is an API key, or a bucket key with its kind: `user:<principal>`, `ip:<address>`.
 * `policy` defaults to the policy the key follows.
 */
public fun Route.rateLimitAdmin(token: String, path: String = "/admin/limits"): Route {
    val enforcer = application.enforcer()
    return unlimited {
        adminOnly(token) { route(path) { adminRoutes(enforcer) } }
    }
}

private fun Route.adminRoutes(enforcer: LimitEnforcer) {
    get("/config") {
        call.respondText(enforcer.config.toYaml(), ContentType("application", "yaml"))
    }
    put("/config") {
        val yaml = call.receiveText()
        // Parsing a large YAML takes a while: off the event loops, two at a time (issue 14).
        val report = kotlinx.coroutines.withContext(ConfigParsing) { LimitsConfig.validate(yaml) }
        if (!report.isValid) {
            call.respondProblem(HttpStatusCode.BadRequest, "invalid-config", "The config has ${report.errors.size} problem(s).") {
                put("errors", buildJsonArray {
                    report.errors.forEach { e ->
                        add(buildJsonObject {
                            put("path", e.path); put("line", e.line); put("column", e.column); put("message", e.message)
                        })
                    }
                })
            }
            return@put
        }
        enforcer.update(kotlinx.coroutines.withContext(ConfigParsing) { LimitsConfig.parse(yaml) })
        call.respondJson(buildJsonObject { put("status", "applied"); put("policies", enforcer.config.policies.size) })
    }
    get("/keys/{key}") {
        val target = call.adminTarget(enforcer) ?: return@get
        val (policy, bucketKey) = target
        val limiter = enforcer.limiter(policy)
        val usage = limiter.usageStats(bucketKey)
        call.respondJson(buildJsonObject {
            put("key", call.parameters["key"])
            put("policy", policy.name)
            put("tokens", limiter.tokenCount(bucketKey))
            put("remaining", limiter.remainingQuota(bucketKey))
            put("limit", policy.capacity)
            put("nextAvailable", limiter.nextAvailableTimestamp(bucketKey).toString())
            putJsonObject("usage") { put("allowed", usage.allowed); put("rejected", usage.rejected) }
        })
    }
    delete("/keys/{key}") {
        val (policy, bucketKey) = call.adminTarget(enforcer) ?: return@delete
        enforcer.limiter(policy).reset(bucketKey)
        call.respond(HttpStatusCode.NoContent)
    }
    get("/stats") {
        call.respondJson(buildJsonObject {
            putJsonObject("policies") {
                enforcer.limiters().toSortedMap().forEach { (name, limiter) ->
                    val s = limiter.usageStats()
                    putJsonObject(name) {
                        put("allowed", s.allowed); put("rejected", s.rejected); put("queued", s.queued)
                        put("timedOut", s.timedOut); put("queueDepth", s.queueDepth); put("trackedKeys", s.trackedKeys)
                    }
                }
            }
        })
    }
}

/** Returns the policy and bucket key an admin call is about, or answers 400 and returns `null`. */
private suspend fun ApplicationCall.adminTarget(enforcer: LimitEnforcer): Pair<dev.limiter.LimitPolicy, String>? {
    val key = parameters["key"].orEmpty()
    val apiKey = !(key.startsWith("user:") || key.startsWith("ip:") || key.startsWith("key:"))
    val bucketKey = if (apiKey) "key:$key" else key
    val raw = if (apiKey) key else key.substringAfter(':')
    val name = request.queryParameters["policy"] ?: enforcer.config.policyNameFor(raw)
    val policy = enforcer.config.policies[name] ?: run {
        respondProblem(HttpStatusCode.BadRequest, "unknown-policy",
            "policy '$name' is not configured; use one of ${enforcer.config.policies.keys.sorted()}")
        return null
    }
    return policy to bucketKey
}

internal suspend fun ApplicationCall.respondJson(body: JsonObject, status: HttpStatusCode = HttpStatusCode.OK) =
    respondText(body.toString(), ContentType.Application.Json, status)

/** Where admin uploads are parsed: never a Netty event loop, and at most two at once. */
private val ConfigParsing = kotlinx.coroutines.Dispatchers.Default.limitedParallelism(2)
