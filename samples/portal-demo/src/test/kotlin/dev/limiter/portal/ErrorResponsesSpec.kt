package dev.limiter.portal

import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.delete
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.TextContent

/** Every error the portal answers is problem+json; status answers carry no Retry-After (issue 14, findings 5 and 6). */
class ErrorResponsesSpec : FunSpec({
    timeout = 60_000

    test("an unknown path is answered 404 problem+json") {
        withPortal {
            val response = client.get("$base/nope")
            response.status shouldBe HttpStatusCode.NotFound
            response.headers["Content-Type"]!! shouldStartWith "application/problem+json"
            response.bodyAsText() shouldContain "\"status\":404"
        }
    }

    test("a known path with another method is answered 405 problem+json") {
        withPortal {
            val response = client.delete("$base/v1/check")
            response.status shouldBe HttpStatusCode.MethodNotAllowed
            response.headers["Content-Type"]!! shouldStartWith "application/problem+json"
        }
    }

    test("the plugin's own problem answers are left as they are") {
        withPortal {
            val response = client.get("$base/resource")
            response.status shouldBe HttpStatusCode.Unauthorized
            response.bodyAsText() shouldContain "X-API-Key"
        }
    }

    test("headers over MAX_HEADER_BYTES are answered 431 problem+json, a long URL 414, and the server goes on") {
        withPortal {
            val tooLarge = client.get("$base/health") { header("X-Padding", "x".repeat(20_000)) }
            tooLarge.status.value shouldBe 431
            tooLarge.headers["Content-Type"]!! shouldStartWith "application/problem+json"
            tooLarge.bodyAsText() shouldContain "\"status\":431"
            client.get("$base/health?" + "q".repeat(20_000)).status.value shouldBe 414
            client.get("$base/health").status shouldBe HttpStatusCode.OK
        }
    }

    test("GET /v1/status answers 200 without Retry-After even when the bucket is empty") {
        withPortal(clock = MockClock()) {
            repeat(41) { client.post("$base/v1/check") { setBody(TextContent("""{"key":"empty","policy":"free"}""", ContentType.Application.Json)) } }
            val status = client.get("$base/v1/status/empty?policy=free")
            status.status shouldBe HttpStatusCode.OK
            status.headers["Retry-After"].shouldBeNull()
            status.headers["X-RateLimit-Remaining"] shouldBe "0"
            status.bodyAsText() shouldContain "\"retryAfterSeconds\":1"
        }
    }

    test("the start banner shows neither REDIS_URL's password nor a token from ADMIN_TOKEN") {
        val settings = PortalSettings.fromEnvironment(mapOf("ADMIN_TOKEN" to "s3cret-admin-token", "REDIS_URL" to "redis://app:hunter2@cache:6379/0"))
        val banner = banner(settings, 8080, onRedis = true)
        banner shouldNotContain "hunter2"
        banner shouldNotContain "s3cret-admin-token"
        banner shouldContain "redis://***@cache:6379/0"
        banner shouldContain "admin token: set (from ADMIN_TOKEN)"
        banner(PortalSettings.fromEnvironment(mapOf("REDIS_URL" to "redis:// :pw@bad host")), 8080, onRedis = true) shouldNotContain "pw"
    }

    test("a generated admin token is shown, since the banner is the only way to learn it") {
        val settings = PortalSettings.fromEnvironment(emptyMap())
        banner(settings, 8080, onRedis = false) shouldContain "admin token: ${settings.adminToken}"
    }
})
