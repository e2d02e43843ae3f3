package dev.limiter.ktor

import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.routing.application
import io.ktor.server.routing.get
import io.ktor.server.response.respondText
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import java.time.Duration

class QuotaWidgetSpec : FunSpec({

    // Traffic goes through the engine, as the portal's /v1 API sends it.
    fun io.ktor.server.routing.Route.engineRoute() = unlimited {
        get("/v1/ping") {
            val key = call.request.headers["X-API-Key"].orEmpty()
            val decision = application.rateLimitEngine.check(key)
            call.respondText(if (decision.allowed) "ok" else "limited")
        }
    }

    suspend fun io.ktor.server.testing.ApplicationTestBuilder.remaining(key: String): Long {
        val body = client.get("/limiter/widget/quota") { header("X-API-Key", key) }.bodyAsText()
        return Json.parseToJsonElement(body).jsonObject["remaining"]!!.jsonPrimitive.long
    }

    test("the quota drops with each request of the key and refills with time, consuming nothing itself") {
        val clock = MockClock()
        limitedApp(clock = clock, routes = { quotaWidget(); engineRoute() }) {
            remaining("dev-7") shouldBe 3
            remaining("dev-7") shouldBe 3 // asking is free
            repeat(2) { client.hit("/v1/ping", "dev-7") }
            remaining("dev-7") shouldBe 1
            remaining("dev-8") shouldBe 3 // another key's quota is its own
            clock.advance(Duration.ofSeconds(1))
            remaining("dev-7") shouldBe 2
        }
    }

    test("the answer names the policy and limit and never echoes the key in full") {
        limitedApp(routes = { quotaWidget() }) {
            val response = client.get("/limiter/widget/quota") { header("X-API-Key", "secret-key-123") }
            response.status shouldBe HttpStatusCode.OK
            response.headers[HttpHeaders.CacheControl] shouldBe "no-store"
            val body = response.bodyAsText()
            body shouldContain "\"policy\":\"small\""
            body shouldContain "\"limit\":3"
            body shouldContain "\"key\":\"key:…#"
            body shouldNotContain "secret-key-123"
        }
    }

    test("without a key the quota is 400, naming the header to send") {
        limitedApp(routes = { quotaWidget() }) {
            val response = client.get("/limiter/widget/quota")
            response.status shouldBe HttpStatusCode.BadRequest
            response.bodyAsText() shouldContain "X-API-Key header"
        }
    }

    test("the script is served as JavaScript and writes text, never markup") {
        limitedApp(routes = { quotaWidget() }) {
            val response = client.get("/limiter/widget/widget.js")
            response.headers[HttpHeaders.ContentType]!! shouldStartWith "application/javascript"
            val script = response.bodyAsText()
            script shouldContain "textContent"
            script shouldNotContain "innerHTML"
        }
    }
})
