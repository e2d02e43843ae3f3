package dev.limiter.portal

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.config.LimitsConfig
import dev.limiter.ktor.rateLimits
import io.ktor.server.application.ApplicationCall
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.longOrNull
import java.time.Duration

/** The name prefix of an inline policy: `inline:` and its canonical [LimitPolicy.id]. */
const val INLINE_PREFIX: String = "inline:"

/** The longest key the service accepts, in characters. */
const val MAX_KEY_LENGTH: Int = 256

/** A validated `POST /v1/check` body: take [permits] from [key]'s bucket under [policy]. */
class CheckRequest(val key: String, val policy: LimitPolicy, val permits: Long)

/** The outcome of reading a request: the request, or every problem found. */
sealed interface Checked {
    class Valid(val request: CheckRequest) : Checked
    class Invalid(val errors: List<String>) : Checked
}

private val FIELDS = setOf("key", "policy", "permits", "algorithm", "limit", "window")
private val ALGORITHMS = LimitPolicy.Algorithm.entries.map { it.id }

/** The shortest window an inline policy may have, in microseconds: one millisecond. */
const val MIN_WINDOW_MICROS: Long = 1_000

/**
 * Reads this call's `POST /v1/check` body: at most the portal's body limit, as UTF-8, parsed
 * off the event loops with the portal's depth limit.
 */
suspend fun ApplicationCall.receiveCheckRequest(): Checked {
    val limits = application.requestLimits
    val config = application.rateLimits
    return withContext(limits.parsing) {
        val body = try {
            receiveUtf8()
        } catch (e: JsonInputException) {
            return@withContext Checked.Invalid(listOf(e.message.orEmpty()))
        }
        readCheckRequest(body, config, limits.maxJsonDepth)
    }
}

/**
 * Reads a `POST /v1/check` body against [limits]: `{"key", "policy", "permits"}` or an inline
 * policy `{"key", "algorithm", "limit", "window", "permits"}`. Reports every problem at once,
 * each naming the field, the value and the fix.
 */
fun readCheckRequest(body: String, limits: LimitsConfig, maxDepth: Int = DEFAULT_MAX_JSON_DEPTH): Checked {
    val json: JsonElement = try {
        readJson(body, maxDepth)
    } catch (e: JsonInputException) {
        return Checked.Invalid(listOf(e.message.orEmpty()))
    }
    if (json !is JsonObject) return Checked.Invalid(listOf("body: must be a JSON object, was ${json::class.simpleName}"))
    val errors = ArrayList<String>()
    // A caller names its fields, so an unknown one is echoed shortened: a 60 KB name must not become a 60 KB error.
    json.keys.filter { it !in FIELDS }.forEach { errors += "${it.shortened()}: unknown field; known fields are ${FIELDS.sorted()}" }

    val key = json.string("key", errors)
    when {
        key == null && "key" !in json -> errors += "key: required; send the caller's key, e.g. \"user_123\""
        key != null && key.isEmpty() -> errors += "key: must not be empty"
        key != null && key.length > MAX_KEY_LENGTH -> errors += "key: must be at most $MAX_KEY_LENGTH characters, was ${key.length}; hash long keys first"
    }
    val permits = if ("permits" in json) json.long("permits", errors) else 1L
    if (permits != null && permits < 1) errors += "permits: must be at least 1, was $permits"

    val inline = listOf("algorithm", "limit", "window").filter { it in json }
    val policy: LimitPolicy? = when {
        "policy" in json && inline.isNotEmpty() -> {
            errors += "policy: give either a policy name or an inline algorithm/limit/window, not both (found ${inline.joinToString()})"
            null
        }
        "policy" in json -> json.string("policy", errors)?.let { name ->
            limits.policies[name] ?: null.also { errors += "policy: unknown policy '$name'; configured policies are ${limits.policies.keys.sorted()}" }
        }
        inline.isNotEmpty() -> inlinePolicy(json, errors)
        else -> null.also { errors += "policy: required; name a configured policy ${limits.policies.keys.sorted()} or give algorithm, limit and window" }
    }
    if (policy != null && permits != null && permits > policy.capacity) {
        errors += "permits: $permits can never be granted by policy '${policy.name}' whose limit is ${policy.capacity}; ask for at most ${policy.capacity}"
    }
    return if (errors.isEmpty()) Checked.Valid(CheckRequest(key!!, policy!!, permits!!)) else Checked.Invalid(errors)
}

/**
 * Reads the inline policy of [json], reporting every problem of algorithm, limit and window at
 * once. A window is what `Rate.parse` takes after the slash (`500ms`, `60s`, `1m`, `1h`, `1d`)
 * and lies between [MIN_WINDOW_MICROS] (1 ms) and 366 days; `0s` is refused like `0ms`.
 */
private fun inlinePolicy(json: JsonObject, errors: MutableList<String>): LimitPolicy? {
    val before = errors.size
    val algorithm = if ("algorithm" !in json) {
        null.also { errors += "algorithm: required with an inline policy; use one of $ALGORITHMS" }
    } else {
        json.string("algorithm", errors)?.let { id ->
            LimitPolicy.Algorithm.fromId(id) ?: null.also { errors += "algorithm: unknown algorithm '$id'; use one of $ALGORITHMS" }
        }
    }
    val limit = if ("limit" in json) json.long("limit", errors) else null.also { errors += "limit: required with an inline policy, e.g. 100" }
    if (limit != null && limit < 1) errors += "limit: must be at least 1, was $limit"
    val window = if ("window" in json) json.string("window", errors) else null.also { errors += "window: required with an inline policy, e.g. \"60s\"" }
    val windowMicros = window?.let { windowMicros(it) ?: null.also { errors += "window: '$window' is not a duration from 1ms to 366d; write e.g. \"500ms\", \"60s\", \"1m\" or \"1h\"" } }
    if (errors.size > before || algorithm == null || limit == null || windowMicros == null) return null
    return try {
        val policy = LimitPolicy.of(algorithm, limit, Rate.of(limit, Duration.ofNanos(windowMicros * 1_000)))
        policy.named("$INLINE_PREFIX${policy.id}")
    } catch (e: IllegalArgumentException) {
        errors += "limit: $limit per '$window' is not a valid policy (${e.message}); use a smaller limit or a longer window"
        null
    }
}

/** Returns [window] in microseconds when it is a duration `Rate.parse` reads, of at least 1 ms; else `null`. */
internal fun windowMicros(window: String): Long? {
    if (window.isBlank() || window.trimStart().startsWith("per")) return null
    val period = try {
        Rate.parse("1/$window").periodMicros
    } catch (e: IllegalArgumentException) {
        return null
    }
    return period.takeIf { it >= MIN_WINDOW_MICROS }
}

private fun String.shortened(): String = if (length <= 64) this else take(64) + "…"

private fun JsonObject.string(field: String, errors: MutableList<String>): String? {
    val value = this[field] ?: return null
    if (value is JsonPrimitive && value.isString) return value.content
    errors += "$field: must be a string, was $value"
    return null
}

private fun JsonObject.long(field: String, errors: MutableList<String>): Long? {
    val value = this[field] ?: return null
    if (value is JsonPrimitive && !value.isString) value.longOrNull?.let { return it }
    errors += "$field: must be a whole number, was $value"
    return null
}
