package dev.limiter.ktor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.forms.submitForm
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.prepareGet
import io.ktor.client.statement.bodyAsChannel
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.http.parameters
import io.ktor.server.testing.ApplicationTestBuilder
import io.ktor.utils.io.readUTF8Line
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long

private const val TOKEN = "dashboard-token-0123456789"

class DashboardSpec : FunSpec({

    fun dashboardApp(block: suspend ApplicationTestBuilder.() -> Unit) =
        limitedApp(configure = { meterRegistry = SimpleMeterRegistry() }, routes = { rateLimitDashboard(TOKEN) }, block = block)

    fun ApplicationTestBuilder.noRedirects() = createClient { followRedirects = false }

    test("without the token the page is a login form answered 401, with a strict CSP") {
        dashboardApp {
            val page = client.get("/admin/limits/dashboard")
            page.status shouldBe HttpStatusCode.Unauthorized
            page.bodyAsText() shouldContain "<form method=\"post\" action=\"/admin/limits/dashboard/login\">"
            page.headers["Content-Security-Policy"]!! shouldContain "script-src 'self'"
            page.headers["Content-Security-Policy"]!! shouldNotContain "unsafe-inline"
        }
    }

    test("the events and the snapshot are 401 without the token or a session, even with a forged cookie") {
        dashboardApp {
            client.get("/admin/limits/dashboard/events").status shouldBe HttpStatusCode.Unauthorized
            client.get("/admin/limits/dashboard/snapshot") { header(HttpHeaders.Cookie, "limiter_dashboard=guess") }
                .status shouldBe HttpStatusCode.Unauthorized
            client.get("/admin/limits/dashboard/snapshot") { header(HttpHeaders.Authorization, "Bearer wrong-token-0123456789") }
                .status shouldBe HttpStatusCode.Unauthorized
        }
    }

    test("the token exchanged at the login form becomes an HttpOnly, SameSite=Strict session holding no token") {
        dashboardApp {
            val browser = noRedirects()
            browser.submitForm("/admin/limits/dashboard/login", parameters { append("token", "not-the-token") })
                .status shouldBe HttpStatusCode.Unauthorized
            val login = browser.submitForm("/admin/limits/dashboard/login", parameters { append("token", TOKEN) })
            login.status shouldBe HttpStatusCode.SeeOther
            login.headers[HttpHeaders.Location] shouldBe "/admin/limits/dashboard"
            val cookie = login.headers[HttpHeaders.SetCookie]!!
            cookie shouldStartWith "limiter_dashboard="
            cookie shouldContain "HttpOnly"
            cookie shouldContain "SameSite=Strict"
            cookie shouldContain "Path=/admin/limits/dashboard"
            cookie shouldNotContain TOKEN
            val session = cookie.substringBefore(';')
            val page = browser.get("/admin/limits/dashboard") { header(HttpHeaders.Cookie, session) }
            page.status shouldBe HttpStatusCode.OK
            page.bodyAsText() shouldContain "data-events=\"/admin/limits/dashboard/events\""
            page.headers["Content-Security-Policy"] shouldNotBe null
            browser.get("/admin/limits/dashboard/snapshot") { header(HttpHeaders.Cookie, session) }.status shouldBe HttpStatusCode.OK
        }
    }

    test("the snapshot counts the decisions the plugin made, by policy and outcome") {
        dashboardApp {
            repeat(5) { client.hit("/hello", "dev-1") } // small: 3 allowed, 2 rejected
            val snapshot = client.get("/admin/limits/dashboard/snapshot") { header(HttpHeaders.Authorization, "Bearer $TOKEN") }
            val json = Json.parseToJsonElement(snapshot.bodyAsText()).jsonObject
            val decisions = json["decisions"]!!.jsonArray.map { it.jsonObject }
                .map { it["outcome"]!!.jsonPrimitive.content to it["total"]!!.jsonPrimitive.long }
            decisions shouldContainExactly listOf("allowed" to 3L, "rejected" to 2L)
            json["backend"]!!.jsonPrimitive.content shouldBe "primary"
            json["metrics"]!!.jsonPrimitive.content shouldBe "true"
        }
    }

    test("the events stream sends snapshots as SSE events") {
        dashboardApp {
            client.hit("/hello", "dev-1")
            client.prepareGet("/admin/limits/dashboard/events") { header(HttpHeaders.Authorization, "Bearer $TOKEN") }.execute { response ->
                response.status shouldBe HttpStatusCode.OK
                response.headers[HttpHeaders.ContentType]!! shouldStartWith "text/event-stream"
                val channel = response.bodyAsChannel()
                val lines = mutableListOf<String>()
                while (lines.none { it.startsWith("data:") }) lines += channel.readUTF8Line()!!
                lines.contains("event: snapshot") shouldBe true
                lines.single { it.startsWith("data:") } shouldContain "\"outcome\":\"allowed\",\"total\":1"
            }
        }
    }

    test("the dashboard itself is never rate limited") {
        dashboardApp {
            repeat(10) { client.get("/admin/limits/dashboard/assets/dashboard.js").status shouldBe HttpStatusCode.OK }
        }
    }

    test("a short token is refused, naming the fix") {
        val error = runCatching { limitedApp(routes = { rateLimitDashboard("short") }) { client.get("/") } }.exceptionOrNull()
        error!!.message!! shouldContain "admin token must be at least 16 characters, was 5"
    }

    test("the busiest keys show API keys shortened like the logs") {
        dashboardApp {
            repeat(4) { client.hit("/hello", "secret-key-123") }
            val body = client.get("/admin/limits/dashboard/snapshot") { header(HttpHeaders.Authorization, "Bearer $TOKEN") }.bodyAsText()
            body shouldContain "\"key\":\"key:…#"
            body shouldNotContain "secret-key-123"
        }
    }
})
