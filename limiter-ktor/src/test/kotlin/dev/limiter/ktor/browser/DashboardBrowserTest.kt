package dev.limiter.ktor.browser

import com.microsoft.playwright.Page
import com.microsoft.playwright.assertions.LocatorAssertions
import com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.ktor.RateLimiting
import dev.limiter.ktor.quotaWidget
import dev.limiter.ktor.rateLimitDashboard
import dev.limiter.ktor.rateLimitEngine
import dev.limiter.ktor.unlimited
import dev.limiter.testing.MockClock
import io.ktor.http.ContentType
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.application
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration

/**
 * The dashboard and the quota widget in a real browser: Debian's Chromium driven by
 * Playwright, against a server on loopback. Buckets run on a [MockClock], so refills happen
 * when the test says; the browser waits for what it should see (no sleeps).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    private val token = "browser-test-token-0123456789"
    private val clock = MockClock()
    private lateinit var server: EmbeddedServer<*, *>
    private lateinit var base: String
    private val http = HttpClient.newHttpClient()
    private val timeout = LocatorAssertions.HasTextOptions().setTimeout(15_000.0)

    @BeforeAll
    fun start() {
        BrowserSupport.requireChromium()
        server = embeddedServer(CIO, port = 0, host = "127.0.0.1") {
            install(RateLimiting) {
                clock = this@DashboardBrowserTest.clock
                meterRegistry = SimpleMeterRegistry()
                policy("small", LimitPolicy.tokenBucket(5, Rate.parse("1/s")))
            }
            routing {
                get("/hello") { call.respondText("hello") }
                // snippet:dashboard-mount
                rateLimitDashboard(token, tick = Duration.ofMillis(200)) // default path /admin/limits/dashboard, tick 1 s
                quotaWidget() // default path /limiter/widget
                // end-snippet
                unlimited {
                    // Decided by the engine, as the portal's /v1 API is.
                    get("/v1/ping") {
                        val decision = application.rateLimitEngine.check(call.request.headers["X-API-Key"].orEmpty())
                        call.respondText(if (decision.allowed) "ok" else "limited")
                    }
                    get("/docs") { call.respondText(DOCS_PAGE, ContentType.Text.Html) }
                }
            }
        }.start(wait = false)
        base = "http://127.0.0.1:" + runBlocking { server.engine.resolvedConnectors().first().port }
    }

    @AfterAll
    fun stop() {
        if (::server.isInitialized) server.stop(0, 1000)
    }

    private fun send(path: String, key: String): Int = http.send(
        HttpRequest.newBuilder(URI.create(base + path)).header("X-API-Key", key).build(),
        HttpResponse.BodyHandlers.discarding(),
    ).statusCode()

    @Test
    fun `the dashboard is 401 without the token and shows the decisions made once logged in`() = BrowserSupport.withBrowser { browser ->
        val page = browser.newPage()
        val dialogs = mutableListOf<String>()
        page.onDialog { dialogs += it.message(); it.dismiss() }
        assertEquals(401, page.navigate("$base/admin/limits/dashboard").status())
        assertEquals(401, page.request().get("$base/admin/limits/dashboard/events").status())
        page.fill("#token", token)
        page.click("button[type=submit]")
        assertThat(page.locator("#status")).hasText("live", timeout)

        val evil = "<img src=x onerror=alert(1)>"
        val statuses = (1..7).map { send("/hello", "dev-1") } + (1..2).map { send("/hello", evil) }
        val allowed = statuses.count { it == 200 }
        val rejected = statuses.count { it == 429 }
        assertEquals(statuses.size, allowed + rejected, "every call is answered 200 or 429: $statuses")
        assertThat(cell(page, "allowed")).hasText(allowed.toString(), timeout)
        assertThat(cell(page, "rejected")).hasText(rejected.toString(), timeout)
        assertThat(page.locator("#backend")).hasText("primary")
        assertThat(page.locator("#queue-depth")).hasText("0")
        assertEquals(0, page.locator("#top-keys img, #decisions img").count(), "a key never becomes markup")

        // A second burst a few ticks later, so the chart in the screenshot shows history.
        waitTicks(page, 4)
        val more = (1..4).map { send("/hello", "dev-3") }
        assertThat(cell(page, "allowed")).hasText((allowed + more.count { it == 200 }).toString(), timeout)
        waitTicks(page, 4)
        page.screenshot(Page.ScreenshotOptions().setPath(BrowserSupport.imagesDir().resolve("dashboard.png")).setFullPage(true))
        assertTrue(dialogs.isEmpty(), "no dialog may open: $dialogs")
    }

    @Test
    fun `the widget shows a key's quota dropping and refilling, and a key holding markup as text`() = BrowserSupport.withBrowser { browser ->
        val page = browser.newPage()
        val dialogs = mutableListOf<String>()
        page.onDialog { dialogs += it.message(); it.dismiss() }
        page.navigate("$base/docs")
        val widget = page.locator(".limiter-quota")
        assertThat(widget).hasText("Enter your API key to see your requests left.", timeout)
        page.fill("#api-key", "dev-2")
        assertThat(widget).hasAttribute("data-remaining", "5", LocatorAssertions.HasAttributeOptions().setTimeout(15_000.0))
        repeat(3) { assertEquals(200, send("/v1/ping", "dev-2")) }
        assertThat(widget).hasAttribute("data-remaining", "2", LocatorAssertions.HasAttributeOptions().setTimeout(15_000.0))
        assertThat(widget).containsText("2 of 5 requests left")
        page.screenshot(Page.ScreenshotOptions().setPath(BrowserSupport.imagesDir().resolve("quota-widget.png")))
        clock.advance(Duration.ofSeconds(2))
        assertThat(widget).hasAttribute("data-remaining", "4", LocatorAssertions.HasAttributeOptions().setTimeout(15_000.0))

        val evil = "<img src=x onerror=alert(1)>"
        page.fill("#api-key", evil)
        assertThat(widget).containsText(", key:<img…#", LocatorAssertions.ContainsTextOptions().setTimeout(15_000.0))
        assertEquals(0, page.locator("img").count(), "the key stays text")
        assertTrue(dialogs.isEmpty(), "no dialog may open: $dialogs")
    }

    private fun waitTicks(page: Page, ticks: Int) {
        // Checked from Java: the page's CSP forbids the eval that page.waitForFunction needs.
        fun tick() = page.locator("body").getAttribute("data-tick")!!.toInt()
        val target = tick() + ticks
        page.waitForCondition({ tick() >= target }, Page.WaitForConditionOptions().setTimeout(15_000.0))
    }

    private fun cell(page: Page, outcome: String) =
        page.locator("#decisions tr[data-policy=small][data-outcome=$outcome] td.total")

    private companion object {
        val DOCS_PAGE = """
            <!doctype html><html><head><meta charset="utf-8"><title>API docs</title></head><body>
            <h1>Your quota</h1>
            <label>API key <input id="api-key"></label>
            <script src="/limiter/widget/widget.js" data-key-input="#api-key" data-refresh-seconds="1"></script>
            </body></html>
        """.trimIndent()
    }
}
