package dev.limiter.portal

import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.install
import io.ktor.server.plugins.BadRequestException
import io.ktor.server.plugins.statuspages.StatusPages
import io.ktor.server.request.httpMethod
import io.ktor.server.request.path
import io.ktor.server.response.respondText
import kotlinx.serialization.json.JsonObjectBuilder
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

/** `application/problem+json` (RFC 9457), the type of every error the portal answers. */
val ProblemJson: ContentType = ContentType("application", "problem+json")

/**
 * Makes every error the portal answers itself `application/problem+json`: unknown paths
 * (404), known paths with another method (405), bodies over their limit (413) and bodies that
 * are not JSON the service reads (400). Responses that already carry a problem body (the
 * plugin's 401, 403, 429) are left as they are.
 *
 * Netty answers a request line or headers over `MAX_HEADER_BYTES` with its own empty 400
 * before any Ktor code runs; that one cannot be made problem+json here (docs/security.md).
 */
fun Application.installProblemResponses() {
    install(StatusPages) {
        exception<BodyTooLargeException> { call, e -> call.respondTooLarge(e.max) }
        exception<JsonInputException> { call, e -> call.respondInvalid(listOf(e.message.orEmpty())) }
        exception<BadRequestException> { call, e -> call.respondInvalid(listOf("request: ${e.message}")) }
        status(HttpStatusCode.NotFound) { _ ->
            if (content.contentType?.match(ProblemJson) == true) return@status
            call.respondProblem(HttpStatusCode.NotFound, "not-found", "No resource at ${call.request.path()}; the service's routes are listed in docs/openapi.yaml.")
        }
        status(HttpStatusCode.MethodNotAllowed) { _ ->
            if (content.contentType?.match(ProblemJson) == true) return@status
            call.respondProblem(
                HttpStatusCode.MethodNotAllowed, "method-not-allowed",
                "${call.request.httpMethod.value} is not allowed on ${call.request.path()}; see docs/openapi.yaml for its methods.",
            )
        }
    }
}

/** Answers 400 `invalid-request` listing every problem in [errors]. */
internal suspend fun ApplicationCall.respondInvalid(errors: List<String>) = respondProblem(HttpStatusCode.BadRequest, "invalid-request", errors.first()) {
    put("errors", buildJsonArray { errors.forEach { add(JsonPrimitive(it)) } })
}

/** Answers [status] with an `application/problem+json` body of [type] and [detail]. */
internal suspend fun ApplicationCall.respondProblem(
    status: HttpStatusCode,
    type: String,
    detail: String,
    extra: JsonObjectBuilder.() -> Unit = {},
) {
    val body = buildJsonObject {
        put("type", "urn:dev.limiter:problem:$type")
        put("title", status.description)
        put("status", status.value)
        put("detail", detail)
        extra()
    }
    respondText(body.toString(), ProblemJson, status)
}
