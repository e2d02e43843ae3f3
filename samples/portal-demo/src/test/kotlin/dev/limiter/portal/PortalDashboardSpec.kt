package dev.limiter.portal

import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode

class PortalDashboardSpec : FunSpec({
    timeout = 60_000

    test("the portal mounts the dashboard behind the admin token and the quota widget for everyone") {
        withPortal(clock = MockClock()) {
            client.get("$base/admin/limits/dashboard").status shouldBe HttpStatusCode.Unauthorized
            client.get("$base/resource") { header("X-API-Key", "dev-1") }
            val snapshot = client.get("$base/admin/limits/dashboard/snapshot") { bearerAuth(ADMIN_TOKEN) }
            snapshot.status shouldBe HttpStatusCode.OK
            snapshot.bodyAsText() shouldContain "\"policy\":\"free\",\"outcome\":\"allowed\",\"total\":1"
            client.get("$base/limiter/widget/widget.js").status shouldBe HttpStatusCode.OK
            client.get("$base/limiter/widget/quota") { header("X-API-Key", "dev-42") }.bodyAsText() shouldContain "\"limit\":400"
        }
    }
})
