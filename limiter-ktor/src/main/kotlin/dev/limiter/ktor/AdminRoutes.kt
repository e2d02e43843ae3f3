@file:JvmName("AdminRouting")

package dev.limiter.ktor

import dev.limiter.Caller
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
 * - `GET {path}/config`, `PUT {path}/config` (`ETag` / `If-Match`), `GET {path}/config/history`,
 *   `POST {path}/config/rollback/{version}`: the shared config, see [configAdminRoutes].
 * - `GET {path}/usage/top`, `GET {path}/usage/{key}`: usage counts, see [usageAdminRoutes].
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
    configAdminRoutes() // cfgstore: GET/PUT config, history, rollback (ConfigAdminRoutes.kt)
    usageAdminRoutes() // cfgstore: usage/top, usage/{key} (UsageAdminRoutes.kt)
    get("/keys/{key}") {
        val target = call.adminTarget(enforcer) ?: return@get
        val (policy, bucketKey) = target
        val limiter = enforcer.limiter(policy)
        val usage = enforcer.engine.usageStats(policy.name!!, bucketKey)
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
                enforcer.engine.usageStats().toSortedMap().forEach { (name, s) ->
                    putJsonObject(name) {
                        put("allowed", s.allowed); put("rejected", s.rejected); put("queued", s.queued)
                        put("timedOut", s.timedOut); put("queueDepth", s.queueDepth); put("trackedKeys", s.trackedKeys)
                    }
                }
            }
        })
    }
}

/**
 * Returns the policy and bucket key an admin call is about, or answers 400 and returns `null`;
 * the bucket key is the engine's ([Caller]), so these routes see what calls and `/v1` charged.
 */
private suspend fun ApplicationCall.adminTarget(enforcer: LimitEnforcer): Pair<dev.limiter.LimitPolicy, String>? {
    val caller = Caller.parse(parameters["key"].orEmpty())
    val name = request.queryParameters["policy"] ?: caller.key?.let(enforcer.config::policyNameFor) ?: enforcer.config.defaultPolicy
    val policy = enforcer.config.policies[name] ?: run {
        respondProblem(HttpStatusCode.BadRequest, "unknown-policy",
            "policy '$name' is not configured; use one of ${enforcer.config.policies.keys.sorted()}")
        return null
    }
    return policy to caller.bucketKey
}

internal suspend fun ApplicationCall.respondJson(body: JsonObject, status: HttpStatusCode = HttpStatusCode.OK) =
    respondText(body.toString(), ContentType.Application.Json, status)

/** Where admin uploads are parsed: never a Netty event loop, and at most two at once. */
private val ConfigParsing = kotlinx.coroutines.Dispatchers.Default.limitedParallelism(2)
