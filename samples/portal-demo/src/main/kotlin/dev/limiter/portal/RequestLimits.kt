package dev.limiter.portal

import io.ktor.http.HttpStatusCode
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.application.call
import io.ktor.server.request.ApplicationReceivePipeline
import io.ktor.server.request.contentLength
import io.ktor.server.request.httpMethod
import io.ktor.server.request.path
import io.ktor.server.request.receiveChannel
import io.ktor.util.AttributeKey
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.readRemaining
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.io.readByteArray
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction

/**
 * What one request may cost the portal: body sizes (`413` beyond them), JSON nesting, header
 * size, inline policies kept, parsing threads and the shutdown grace period. Each has an
 * environment variable (see [fromEnvironment]).
 */
class RequestLimits(
    /** Largest body of a `/v1/` request, in bytes (`MAX_BODY_BYTES`). */
    val maxBodyBytes: Long = 64L * 1024,
    /** Largest limits YAML `PUT /admin/limits/config` takes, in bytes (`MAX_CONFIG_BYTES`). */
    val maxConfigBytes: Long = 1L shl 20,
    /** Deepest nesting of a JSON body (`MAX_JSON_DEPTH`). */
    val maxJsonDepth: Int = DEFAULT_MAX_JSON_DEPTH,
    /** Largest request line plus headers Netty reads, in bytes (`MAX_HEADER_BYTES`). */
    val maxHeaderBytes: Int = 8 * 1024,
    /** Most inline policies `/v1/check` keeps limiters for at once (`MAX_INLINE_POLICIES`). */
    val maxInlinePolicies: Int = 1_000,
    /** Bodies parsed at once, off the event loops (`PARSING_THREADS`). */
    val parsingThreads: Int = 2,
    /** How long a stopping portal lets in-flight requests finish, in ms (`SHUTDOWN_GRACE_MS`). */
    val shutdownGraceMillis: Long = 5_000,
) {
    init {
        require(maxBodyBytes >= 1) { "MAX_BODY_BYTES must be at least 1, was $maxBodyBytes; e.g. MAX_BODY_BYTES=65536" }
        require(maxConfigBytes >= 1) { "MAX_CONFIG_BYTES must be at least 1, was $maxConfigBytes; e.g. MAX_CONFIG_BYTES=1048576" }
        require(maxJsonDepth in 1..1_000) { "MAX_JSON_DEPTH must be between 1 and 1000, was $maxJsonDepth; e.g. MAX_JSON_DEPTH=16" }
        require(maxHeaderBytes >= 1_024) { "MAX_HEADER_BYTES must be at least 1024, was $maxHeaderBytes; e.g. MAX_HEADER_BYTES=8192" }
        require(maxInlinePolicies >= 1) { "MAX_INLINE_POLICIES must be at least 1, was $maxInlinePolicies; e.g. MAX_INLINE_POLICIES=1000" }
        require(parsingThreads >= 1) { "PARSING_THREADS must be at least 1, was $parsingThreads; e.g. PARSING_THREADS=2" }
        require(shutdownGraceMillis >= 0) { "SHUTDOWN_GRACE_MS must not be negative, was $shutdownGraceMillis; e.g. SHUTDOWN_GRACE_MS=5000" }
    }

    /**
     * Where bodies are read and parsed: a few threads of [Dispatchers.Default], never a Netty
     * event loop, so three 20 MB uploads cannot stop `/health` from answering.
     */
    val parsing: CoroutineDispatcher by lazy { Dispatchers.Default.limitedParallelism(parsingThreads) }

    /** Returns the body limit of a request to [path] with [method]; `null` when the portal takes no body there. */
    fun bodyLimit(method: String, path: String): Long? = when {
        path.startsWith("/v1/") -> maxBodyBytes
        path.startsWith("/admin/") && method == "PUT" -> maxConfigBytes
        path.startsWith("/admin/") -> maxBodyBytes
        else -> null
    }

    companion object {
        /** Every environment variable [fromEnvironment] reads. */
        val ENVIRONMENT: Set<String> = setOf(
            "MAX_BODY_BYTES", "MAX_CONFIG_BYTES", "MAX_JSON_DEPTH", "MAX_HEADER_BYTES",
            "MAX_INLINE_POLICIES", "PARSING_THREADS", "SHUTDOWN_GRACE_MS",
        )

        /** Reads the limits from [env]; unset variables keep their defaults. */
        fun fromEnvironment(env: Map<String, String>): RequestLimits {
            val d = RequestLimits()
            fun long(name: String, default: Long): Long = env[name]?.let {
                requireNotNull(it.trim().toLongOrNull()) { "$name must be a whole number, was '$it'; e.g. $name=$default" }
            } ?: default
            return RequestLimits(
                maxBodyBytes = long("MAX_BODY_BYTES", d.maxBodyBytes),
                maxConfigBytes = long("MAX_CONFIG_BYTES", d.maxConfigBytes),
                maxJsonDepth = long("MAX_JSON_DEPTH", d.maxJsonDepth.toLong()).toIntChecked("MAX_JSON_DEPTH"),
                maxHeaderBytes = long("MAX_HEADER_BYTES", d.maxHeaderBytes.toLong()).toIntChecked("MAX_HEADER_BYTES"),
                maxInlinePolicies = long("MAX_INLINE_POLICIES", d.maxInlinePolicies.toLong()).toIntChecked("MAX_INLINE_POLICIES"),
                parsingThreads = long("PARSING_THREADS", d.parsingThreads.toLong()).toIntChecked("PARSING_THREADS"),
                shutdownGraceMillis = long("SHUTDOWN_GRACE_MS", d.shutdownGraceMillis),
            )
        }

        private fun Long.toIntChecked(name: String): Int {
            require(this in Int.MIN_VALUE..Int.MAX_VALUE) { "$name is too large, was $this" }
            return toInt()
        }
    }
}

private val RequestLimitsKey = AttributeKey<RequestLimits>("dev.limiter.portal.RequestLimits")

/** The portal's request limits; installed by [installRequestLimits]. */
val Application.requestLimits: RequestLimits get() = attributes[RequestLimitsKey]

/**
 * Enforces [limits] on every body: a declared `Content-Length` above the limit is refused
 * before a byte is read, and a chunked body is read up to the limit and refused past it, both
 * as `413` problem+json ([installProblemResponses] answers the exception).
 */
fun Application.installRequestLimits(limits: RequestLimits) {
    attributes.put(RequestLimitsKey, limits)
    intercept(ApplicationCallPipeline.Plugins) {
        val max = limits.bodyLimit(call.request.httpMethod.value, call.request.path()) ?: return@intercept
        val declared = call.request.contentLength()
        if (declared != null && declared > max) {
            call.respondTooLarge(max)
            finish()
        }
    }
    receivePipeline.intercept(ApplicationReceivePipeline.Before) { body ->
        val max = limits.bodyLimit(call.request.httpMethod.value, call.request.path()) ?: return@intercept
        if (body !is ByteReadChannel) return@intercept
        val bytes = body.readRemaining(max + 1).readByteArray()
        if (bytes.size > max) throw BodyTooLargeException(max)
        proceedWith(ByteReadChannel(bytes))
    }
}

/** A body went past [max] bytes while being read; answered 413. */
class BodyTooLargeException(val max: Long) : RuntimeException("body larger than $max bytes")

internal suspend fun ApplicationCall.respondTooLarge(max: Long) = respondProblem(
    HttpStatusCode.PayloadTooLarge, "payload-too-large",
    "The body is larger than this endpoint takes ($max bytes); send a smaller body or raise the limit (MAX_BODY_BYTES, MAX_CONFIG_BYTES).",
)

/**
 * Returns the body as UTF-8 text (RFC 8259 JSON is UTF-8 whatever the `Content-Type` charset
 * says; Ktor's `receiveText` falls back to ISO-8859-1 and garbled non-ASCII keys).
 *
 * @throws JsonInputException when the bytes are not UTF-8.
 */
suspend fun ApplicationCall.receiveUtf8(): String {
    val bytes = receiveChannel().readRemaining().readByteArray()
    return try {
        Charsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes)).toString()
    } catch (e: CharacterCodingException) {
        throw JsonInputException("body: not UTF-8 (${e.message}); send JSON encoded as UTF-8")
    }
}
