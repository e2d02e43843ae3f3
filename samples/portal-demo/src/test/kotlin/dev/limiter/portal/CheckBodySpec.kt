package dev.limiter.portal

import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.get
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.ByteArrayContent
import io.ktor.http.encodeURLPathPart
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long

/** `POST /v1/check` bodies an attacker or a careless client sends (issue 14, finding 1). */
class CheckBodySpec : FunSpec({
    timeout = 60_000

    suspend fun PortalServer.check(json: String): HttpResponse =
        client.post("$base/v1/check") { setBody(ByteArrayContent(json.encodeToByteArray(), ContentType.Application.Json)) }

    suspend fun HttpResponse.errors(): List<String> =
        Json.parseToJsonElement(bodyAsText()).jsonObject["errors"]!!.jsonArray.map { it.jsonPrimitive.content }

    test("a body nested 30,000 deep is answered 400 problem+json naming the depth, and the server goes on") {
        withPortal {
            val response = check("[".repeat(30_000) + "]".repeat(30_000))
            response.status shouldBe HttpStatusCode.BadRequest
            response.headers["Content-Type"]!! shouldStartWith "application/problem+json"
            response.errors().single() shouldContain "nested deeper than 16 levels"
            check("""{"key":"k","policy":"free"}""").status shouldBe HttpStatusCode.OK
        }
    }

    test("the depth limit is configurable") {
        withPortal(settings = PortalSettings(adminToken = ADMIN_TOKEN, requestLimits = RequestLimits(maxJsonDepth = 1))) {
            check("""{"key":"k","policy":["free"]}""").errors().single() shouldContain "nested deeper than 1 levels"
        }
    }

    test("a member sent twice is refused by name rather than one of them silently winning") {
        withPortal {
            val response = check("""{"key":"alice","policy":"free","key":"mallory"}""")
            response.status shouldBe HttpStatusCode.BadRequest
            response.errors().single() shouldContain "member \"key\" appears twice"
        }
    }

    test("a non-ASCII key sent without a charset takes from the bucket /v1/status reads for it") {
        withPortal(clock = MockClock()) {
            val key = "ключ-é-鍵"
            repeat(3) { check("""{"key":"$key","policy":"free"}""").status shouldBe HttpStatusCode.OK }
            val status = client.get("$base/v1/status/${key.encodeURLPathPart()}?policy=free")
            Json.parseToJsonElement(status.bodyAsText()).jsonObject["remaining"]!!.jsonPrimitive.long shouldBe 37
        }
    }

    test("a non-ASCII API key sent as UTF-8 bytes is echoed by GET /resource as sent, not as Latin-1") {
        withPortal {
            RawHttp(base).use { raw ->
                raw.out.write("GET /resource HTTP/1.1\r\nHost: x\r\nX-API-Key: ключ-é\r\nConnection: close\r\n\r\n".toByteArray(Charsets.UTF_8))
                raw.out.flush()
                val response = raw.response()
                response.status shouldBe 200
                Json.parseToJsonElement(response.body).jsonObject["key"]!!.jsonPrimitive.content shouldBe "ключ-é"
            }
        }
    }

    test("a non-ASCII API key sent as UTF-8 bytes to a limited route takes from the bucket /v1/status reads for it") {
        withPortal(clock = MockClock()) {
            repeat(2) {
                RawHttp(base).use { raw ->
                    raw.out.write("GET /resource HTTP/1.1\r\nHost: x\r\nX-API-Key: ключ-é\r\nConnection: close\r\n\r\n".toByteArray(Charsets.UTF_8))
                    raw.out.flush()
                    raw.response().status shouldBe 200
                }
            }
            val status = client.get("$base/v1/status/${"ключ-é".encodeURLPathPart()}?policy=free")
            Json.parseToJsonElement(status.bodyAsText()).jsonObject["remaining"]!!.jsonPrimitive.long shouldBe 38
        }
    }

    test("a body that is not UTF-8 is refused, not decoded as Latin-1") {
        withPortal {
            val bytes = byteArrayOf(*"""{"key":"""".encodeToByteArray(), 0xC3.toByte(), 0x28, *"""","policy":"free"}""".encodeToByteArray())
            val response = client.post("$base/v1/check") { setBody(ByteArrayContent(bytes, ContentType.Application.Json)) }
            response.status shouldBe HttpStatusCode.BadRequest
            response.errors().single() shouldContain "not UTF-8"
        }
    }

    test("every problem of an inline policy is reported at once") {
        withPortal {
            val errors = check("""{"key":"k","algorithm":"nope","limit":0,"window":"0s"}""").errors()
            errors shouldHaveSize 3
            errors[0] shouldStartWith "algorithm: unknown algorithm 'nope'"
            errors[1] shouldBe "limit: must be at least 1, was 0"
            errors[2] shouldStartWith "window: '0s' is not a duration from 1ms to 366d"
        }
    }

    test("a window is at least 1 ms in any unit: 0s, 0ms and 999us are refused alike, 1ms and 500ms are taken") {
        withPortal {
            for (window in listOf("0s", "0ms", "999us", "1000d")) {
                check("""{"key":"k","algorithm":"token-bucket","limit":5,"window":"$window"}""").errors().single() shouldContain
                    "window: '$window' is not a duration from 1ms to 366d"
            }
            for (window in listOf("1ms", "500ms", "1000us", "60s")) {
                check("""{"key":"k","algorithm":"token-bucket","limit":5,"window":"$window"}""").status shouldBe HttpStatusCode.OK
            }
        }
    }
})
