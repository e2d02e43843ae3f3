package dev.limiter.portal

import dev.limiter.ktor.PrometheusText
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import java.time.Duration

class PortalDemoSpec : FunSpec({
    timeout = 60_000

    test("GET /resource admits a burst of 40 per API key, then one more per 100 ms of refill") {
        val clock = MockClock()
        withPortal(clock = clock) {
            List(40) { client.get("$base/resource") { header("X-API-Key", "dev-1") }.status }.toSet() shouldBe setOf(HttpStatusCode.OK)
            val refused = client.get("$base/resource") { header("X-API-Key", "dev-1") }
            refused.status shouldBe HttpStatusCode.TooManyRequests
            refused.headers["Retry-After"] shouldBe "1"
            client.get("$base/resource") { header("X-API-Key", "dev-2") }.status shouldBe HttpStatusCode.OK
            clock.advance(Duration.ofMillis(100))
            client.get("$base/resource") { header("X-API-Key", "dev-1") }.status shouldBe HttpStatusCode.OK
            client.get("$base/resource") { header("X-API-Key", "dev-1") }.status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("GET /resource without an API key is answered 401") {
        withPortal { client.get("$base/resource").status shouldBe HttpStatusCode.Unauthorized }
    }

    test("the pro tier from the YAML file gives dev-42 a bucket of 400") {
        withPortal(clock = MockClock()) {
            client.get("$base/resource") { header("X-API-Key", "dev-42") }.headers["X-RateLimit-Limit"] shouldBe "400"
        }
    }

    test("POST /reports costs 10 from the reports policy") {
        withPortal(clock = MockClock()) {
            repeat(2) { client.post("$base/reports") { header("X-API-Key", "dev-1") }.status shouldBe HttpStatusCode.OK }
            client.post("$base/reports") { header("X-API-Key", "dev-1") }.status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("admin routes need the token, /metrics parses as Prometheus text, /health is UP") {
        withPortal {
            client.get("$base/admin/limits/config").status shouldBe HttpStatusCode.Unauthorized
            client.get("$base/admin/limits/config") { bearerAuth(ADMIN_TOKEN) }.bodyAsText() shouldContain "free"
            client.get("$base/resource") { header("X-API-Key", "dev-1") }
            val samples = PrometheusText.parse(client.get("$base/metrics").bodyAsText())
            samples.single { it.name == "limiter_requests_total" && it.labels["policy"] == "free" }.value shouldBe 1.0
            client.get("$base/health").bodyAsText() shouldContain "\"status\":\"UP\""
        }
    }

    test("settings come from the environment, and bad values are named with their fix") {
        PortalSettings.fromEnvironment(mapOf("PORT" to "9090", "ADMIN_TOKEN" to "t".repeat(20))).port shouldBe 9090
        runCatching { PortalSettings.fromEnvironment(mapOf("PORT" to "http")) }.exceptionOrNull()?.message shouldBe
            "PORT must be a port number (0-65535), was 'http'; e.g. PORT=8080"
        runCatching { PortalSettings.fromEnvironment(mapOf("LIMITS_FILE" to "/nope.yaml")) }.exceptionOrNull()?.message shouldBe
            "LIMITS_FILE '/nope.yaml' is not a readable file; point it at a limits YAML such as portal-limits.yaml"
    }
})
