package dev.limiter.portal

import dev.limiter.Caller
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.ktor.adminOnly
import dev.limiter.ktor.appendRateLimitHeaders
import dev.limiter.ktor.rateLimitEngine
import dev.limiter.ktor.rateLimits
import dev.limiter.ktor.unlimited
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.respond
import io.ktor.server.response.respondText
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.delete
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.route
import kotlinx.serialization.json.JsonObjectBuilder
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.time.Duration

/**
 * The central limiter's HTTP API, version 1, for back ends that are not on the JVM:
 * `POST /v1/check`, `GET /v1/status/{key}`, `DELETE /v1/reset/{key}` (admin token). Every call
 * goes through the plugin's engine (`Application.rateLimitEngine`): the same levels, global
 * ceiling, lists, metrics and buckets as the portal's own routes, so a key's quota is one
 * quota whether it is spent over `/v1` or by calling the API, and the admin routes see both.
 * Documented in `docs/openapi.yaml`.
 */
fun Route.limiterService(adminToken: String) {
    val app = application
    unlimited {
        route("/v1") {
            post("/check") {
                val request = when (val read = call.receiveCheckRequest()) {
                    is Checked.Invalid -> return@post call.respondErrors(read.errors)
                    is Checked.Valid -> read.request
                }
                // Inline policies: their own bounded set of limiters, counted as policy="inline" (InlinePolicies);
                // configured policies: the engine, with every level, list and bucket the routes use.
                val inline = app.inlinePolicies.limiter(request.policy)
                val decision = inline?.tryAcquire(Caller.apiKey(request.key).bucketKey, request.permits)
                    ?: app.rateLimitEngine.check(Caller.apiKey(request.key), permits = request.permits, policy = request.policy)
                call.respondDecision(request.policy, decision)
            }
            get("/status/{key}") {
                val key = call.parameters["key"].orEmpty()
                val policy = call.namedPolicy(key) ?: return@get
                val decision = app.rateLimitEngine.status(Caller.apiKey(key), policy = policy)
                call.appendStatusHeaders(policy, decision)
                call.respondText(decisionJson(policy, decision).toString(), ContentType.Application.Json)
            }
            adminOnly(adminToken) {
                delete("/reset/{key}") {
                    val key = call.parameters["key"].orEmpty()
                    val policy = call.namedPolicy(key) ?: return@delete
                    app.rateLimitEngine.reset(Caller.apiKey(key), policy)
                    call.respond(HttpStatusCode.NoContent)
                }
            }
        }
    }
}

private suspend fun ApplicationCall.namedPolicy(key: String): LimitPolicy? {
    val limits = application.rateLimits
    val errors = ArrayList<String>()
    if (key.isEmpty()) errors += "key: must not be empty"
    if (key.length > MAX_KEY_LENGTH) errors += "key: must be at most $MAX_KEY_LENGTH characters, was ${key.length}; hash long keys first"
    val name = request.queryParameters["policy"] ?: limits.policyNameFor(key)
    val policy = limits.policies[name]
    if (policy == null) errors += "policy: unknown policy '$name'; configured policies are ${limits.policies.keys.sorted()}"
    if (errors.isNotEmpty()) {
        respondErrors(errors)
        return null
    }
    return policy
}

private suspend fun ApplicationCall.respondDecision(policy: LimitPolicy, decision: Decision) {
    appendRateLimitHeaders(policy, decision)
    val status = if (decision.allowed) HttpStatusCode.OK else HttpStatusCode.TooManyRequests
    respondText(decisionJson(policy, decision).toString(), ContentType.Application.Json, status)
}

private fun decisionJson(policy: LimitPolicy, decision: Decision) = buildJsonObject {
    put("allowed", decision.allowed)
    put("remaining", decision.remaining)
    put("limit", decision.limit)
    put("retryAfterSeconds", ceilSeconds(decision.retryAfter))
    put("resetAfterSeconds", ceilSeconds(decision.resetAfter))
    put("policy", decision.policy ?: policy.name)
    decision.reason?.takeIf { it != DenyReason.LIMITED }?.let { put("reason", it.name) }
}

private suspend fun ApplicationCall.respondErrors(errors: List<String>) = respondProblem(HttpStatusCode.BadRequest, "invalid-request") {
    put("detail", errors.first())
    put("errors", buildJsonArray { errors.forEach { add(kotlinx.serialization.json.JsonPrimitive(it)) } })
}

private suspend fun ApplicationCall.respondProblem(status: HttpStatusCode, type: String, extra: JsonObjectBuilder.() -> Unit) {
    val body = buildJsonObject {
        put("type", "urn:dev.limiter:problem:$type")
        put("title", status.description)
        put("status", status.value)
        extra()
    }
    respondText(body.toString(), ContentType("application", "problem+json"), status)
}

private fun ceilSeconds(d: Duration): Long = if (d.nano == 0) d.seconds else d.seconds + 1
