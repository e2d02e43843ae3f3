package dev.limiter.portal

import dev.limiter.ktor.PrometheusText
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.ktor.client.request.get
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.TextContent
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long

/** One anonymous caller cannot use up inline policies for others, nor grow `/metrics` (issue 14, finding 3). */
class InlinePoliciesSpec : FunSpec({
    timeout = 120_000

    suspend fun PortalServer.inline(key: String, limit: Int, window: String = "60s"): HttpResponse = client.post("$base/v1/check") {
        setBody(TextContent("""{"key":"$key","algorithm":"token-bucket","limit":$limit,"window":"$window"}""", ContentType.Application.Json))
    }

    test("after one caller sent 1,200 distinct inline policies, another caller's new inline policy is still decided") {
        withPortal(clock = MockClock()) {
            for (limit in 1..1_200) inline("flooder", limit).status shouldBe HttpStatusCode.OK
            inline("victim", 7_777).status shouldBe HttpStatusCode.OK
            server.application.inlinePolicies.size() shouldBeLessThanOrEqual 1_000
        }
    }

    test("inline decisions are counted under policy=\"inline\", never one series per policy") {
        withPortal(clock = MockClock()) {
            for (limit in 1..50) inline("k$limit", limit)
            val series = PrometheusText.parse(client.get("$base/metrics").bodyAsText()).filter { it.name == "limiter_requests_total" }
            series.filter { it.labels["policy"]!!.startsWith("inline:") }.shouldBeEmpty()
            series.filter { it.labels["policy"] == "inline" }.sumOf { it.value } shouldBe 50.0
        }
    }

    test("equal inline policies share one bucket, however the window is written") {
        withPortal(clock = MockClock()) {
            inline("same", 10, "60s").status shouldBe HttpStatusCode.OK
            val second = inline("same", 10, "1m")
            Json.parseToJsonElement(second.bodyAsText()).jsonObject["remaining"]!!.jsonPrimitive.long shouldBe 8
        }
    }

    test("an inline policy evicted from the cache keeps its buckets: coming back gains no permits") {
        val settings = PortalSettings(adminToken = ADMIN_TOKEN, requestLimits = RequestLimits(maxInlinePolicies = 2))
        withPortal(clock = MockClock(), settings = settings) {
            repeat(3) { inline("kept", 3) }
            for (limit in 10..15) inline("other", limit)
            inline("kept", 3).status shouldBe HttpStatusCode.TooManyRequests
        }
    }
})
