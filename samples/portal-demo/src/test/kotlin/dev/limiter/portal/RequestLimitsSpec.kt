package dev.limiter.portal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeIn
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.get
import io.ktor.client.request.post
import io.ktor.client.request.put
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.ByteArrayContent

/** Bodies past their limit are refused before they are read or parsed (issue 14, finding 2). */
class RequestLimitsSpec : FunSpec({
    timeout = 120_000

    test("a /v1/check body over MAX_BODY_BYTES is answered 413 problem+json") {
        withPortal {
            val response = client.post("$base/v1/check") { setBody(ByteArrayContent(ByteArray(100_000) { ' '.code.toByte() }, ContentType.Application.Json)) }
            response.status shouldBe HttpStatusCode.PayloadTooLarge
            response.headers["Content-Type"]!! shouldStartWith "application/problem+json"
            response.bodyAsText() shouldContain "65536 bytes"
        }
    }

    test("a 20 MB limits upload is refused 413 on its Content-Length, before its body is read") {
        withPortal {
            RawHttp(base).use { raw ->
                raw.head("PUT /admin/limits/config HTTP/1.1\nHost: x\nAuthorization: Bearer $ADMIN_TOKEN\nContent-Type: application/yaml\nContent-Length: 20971520")
                val response = raw.response()
                response.status shouldBe 413
                response.headers["content-type"]!! shouldStartWith "application/problem+json"
            }
        }
    }

    test("a chunked upload is read only up to the limit, then refused 413 problem+json") {
        val settings = PortalSettings(adminToken = ADMIN_TOKEN, requestLimits = RequestLimits(maxConfigBytes = 100_000))
        withPortal(settings = settings) {
            RawHttp(base).use { raw ->
                raw.head("PUT /admin/limits/config HTTP/1.1\nHost: x\nAuthorization: Bearer $ADMIN_TOKEN\nContent-Type: application/yaml\nTransfer-Encoding: chunked")
                var sent = 0
                while (sent < 1_000_000 && raw.chunk(ByteArray(50_000) { '#'.code.toByte() })) sent += 50_000
                raw.response().status shouldBe 413
            }
        }
    }

    test("/health answers while three 20 MB uploads are in flight, and the config is unchanged after them") {
        withPortal {
            val uploads = List(3) { RawHttp(base) }
            try {
                uploads.forEach { raw ->
                    raw.head("PUT /admin/limits/config HTTP/1.1\nHost: x\nAuthorization: Bearer $ADMIN_TOKEN\nContent-Type: application/yaml\nTransfer-Encoding: chunked")
                    repeat(20) { raw.chunk(ByteArray(64 * 1024) { 'a'.code.toByte() }) }
                }
                client.get("$base/health").status shouldBe HttpStatusCode.OK
                // A server that refuses a body mid-stream closes the connection; a client still
                // sending may then see a reset instead of the 413 (TCP discards what it had not
                // read). So each upload must end refused, as 413 or as a closed connection, and at
                // least one must show the 413 itself.
                val statuses = uploads.map { raw ->
                    repeat(300) { raw.chunk(ByteArray(64 * 1024) { 'a'.code.toByte() }) }
                    runCatching { raw.response().status }.getOrNull()
                }
                statuses.forEach { it shouldBeIn listOf(413, null) }
                statuses.count { it == 413 } shouldBeGreaterThan 0
                client.get("$base/health").status shouldBe HttpStatusCode.OK
                client.get("$base/admin/limits/config") { bearerAuth(ADMIN_TOKEN) }.bodyAsText() shouldContain "free"
            } finally {
                uploads.forEach { it.close() }
            }
        }
    }

    test("a limits upload holding a character YAML refuses is answered 400 naming it, not 500") {
        withPortal {
            val response = client.put("$base/admin/limits/config") {
                bearerAuth(ADMIN_TOKEN)
                setBody(ByteArrayContent("policies:\n  free: \uFFFF\n".encodeToByteArray(), ContentType("application", "yaml")))
            }
            response.status shouldBe HttpStatusCode.BadRequest
            response.bodyAsText() shouldContain "U+FFFF cannot appear in YAML"
        }
    }

    test("an admin config under the limit is still applied") {
        withPortal {
            val yaml = PortalSettings.bundledLimits()
            client.put("$base/admin/limits/config") { bearerAuth(ADMIN_TOKEN); setBody(ByteArrayContent(yaml.encodeToByteArray(), ContentType("application", "yaml"))) }
                .status shouldBe HttpStatusCode.OK
        }
    }

    test("limits come from the environment and bad values name the variable and the fix") {
        RequestLimits.fromEnvironment(mapOf("MAX_BODY_BYTES" to "1024", "MAX_JSON_DEPTH" to "8")).let {
            it.maxBodyBytes shouldBe 1024
            it.maxJsonDepth shouldBe 8
        }
        runCatching { RequestLimits.fromEnvironment(mapOf("MAX_JSON_DEPTH" to "deep")) }.exceptionOrNull()?.message shouldBe
            "MAX_JSON_DEPTH must be a whole number, was 'deep'; e.g. MAX_JSON_DEPTH=16"
        runCatching { RequestLimits.fromEnvironment(mapOf("MAX_BODY_BYTES" to "0")) }.exceptionOrNull()?.message shouldBe
            "MAX_BODY_BYTES must be at least 1, was 0; e.g. MAX_BODY_BYTES=65536"
    }
})
