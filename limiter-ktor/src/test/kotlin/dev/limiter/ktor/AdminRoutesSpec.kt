package dev.limiter.ktor

import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.delete
import io.ktor.client.request.get
import io.ktor.client.request.put
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.double
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import java.time.Duration

private const val TOKEN = "0123456789abcdef-admin"

private fun json(text: String): JsonObject = Json.parseToJsonElement(text).jsonObject

class AdminRoutesSpec : FunSpec({

    fun adminApp(clock: MockClock = MockClock(), block: suspend io.ktor.server.testing.ApplicationTestBuilder.() -> Unit) =
        limitedApp(clock, routes = { rateLimitAdmin(TOKEN) }, block = block)

    test("admin routes answer 401 without a token and 403 with a wrong one") {
        adminApp {
            val missing = client.get("/admin/limits/config")
            missing.status shouldBe HttpStatusCode.Unauthorized
            missing.headers["WWW-Authenticate"] shouldBe "Bearer realm=\"limiter-admin\""
            client.get("/admin/limits/config") { bearerAuth("not-the-token") }.status shouldBe HttpStatusCode.Forbidden
            client.get("/admin/limits/config") { bearerAuth(TOKEN) }.status shouldBe HttpStatusCode.OK
        }
    }

    test("a refused admin call never runs its handler: a reset without the right token resets nothing") {
        adminApp {
            repeat(3) { client.hit("/hello", "k") }
            client.delete("/admin/limits/keys/k").status shouldBe HttpStatusCode.Unauthorized
            client.delete("/admin/limits/keys/k") { bearerAuth("wrong-token-0123456") }.status shouldBe HttpStatusCode.Forbidden
            client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("the config reads back as YAML naming its policies") {
        adminApp {
            client.get("/admin/limits/config") { bearerAuth(TOKEN) }.bodyAsText() shouldContain "small"
        }
    }

    test("a bad config is refused with 400 listing every error, and the running one stays") {
        adminApp {
            val bad = """
                policies:
                  free: { algorithm: token-bucket, capacity: 0, refill: 10/s }
                  pro:  { algorithm: warp-drive, capacity: 5, refill: 1/s }
                default-policy: missing
            """.trimIndent()
            val refused = client.put("/admin/limits/config") { bearerAuth(TOKEN); setBody(bad) }
            refused.status shouldBe HttpStatusCode.BadRequest
            val errors = json(refused.bodyAsText())["errors"]!!.jsonArray
            errors.map { it.jsonObject["path"]!!.jsonPrimitive.content }
                .shouldContainAll("policies.free.capacity", "policies.pro.algorithm", "default-policy")
            errors[0].jsonObject["line"]!!.jsonPrimitive.int shouldBe 2
            repeat(3) { client.hit("/hello", "k").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("a valid config replaces the limits at once") {
        adminApp {
            val wider = "policies:\n  wide: { algorithm: token-bucket, capacity: 5, refill: 1/s }\ndefault-policy: wide\n"
            client.put("/admin/limits/config") { bearerAuth(TOKEN); setBody(wider) }.status shouldBe HttpStatusCode.OK
            repeat(5) { client.hit("/hello", "k").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("inspecting a key shows its tokens, remaining quota and next available instant, and reset refills it") {
        val clock = MockClock()
        adminApp(clock) {
            repeat(3) { client.hit("/hello", "dev-7") }
            clock.advance(Duration.ofMillis(250))
            val view = json(client.get("/admin/limits/keys/dev-7") { bearerAuth(TOKEN) }.bodyAsText())
            view["policy"]!!.jsonPrimitive.content shouldBe "small"
            view["tokens"]!!.jsonPrimitive.double shouldBe 0.25
            view["remaining"]!!.jsonPrimitive.long shouldBe 0
            view["nextAvailable"]!!.jsonPrimitive.content shouldBe clock.instant().plusMillis(750).toString()
            view["usage"]!!.jsonObject["allowed"]!!.jsonPrimitive.long shouldBe 3

            client.delete("/admin/limits/keys/dev-7") { bearerAuth(TOKEN) }.status shouldBe HttpStatusCode.NoContent
            json(client.get("/admin/limits/keys/dev-7") { bearerAuth(TOKEN) }.bodyAsText())["remaining"]!!.jsonPrimitive.long shouldBe 3
            client.hit("/hello", "dev-7").status shouldBe HttpStatusCode.OK
        }
    }

    test("inspecting under an unknown policy is a 400 naming the configured ones") {
        adminApp {
            val refused = client.get("/admin/limits/keys/k?policy=gold") { bearerAuth(TOKEN) }
            refused.status shouldBe HttpStatusCode.BadRequest
            refused.bodyAsText() shouldContain "[small]"
        }
    }

    test("usage stats count allowed and rejected calls per policy") {
        adminApp {
            repeat(5) { client.hit("/hello", "k") }
            val stats = json(client.get("/admin/limits/stats") { bearerAuth(TOKEN) }.bodyAsText())
            val small = stats["policies"]!!.jsonObject["small"]!!.jsonObject
            small["allowed"]!!.jsonPrimitive.long shouldBe 3
            small["rejected"]!!.jsonPrimitive.long shouldBe 2
        }
    }

    test("admin routes are never rate limited") {
        adminApp {
            // The app's policy admits 3 calls; all ten admin calls are answered.
            List(10) { client.get("/admin/limits/stats") { bearerAuth(TOKEN) }.status } shouldBe List(10) { HttpStatusCode.OK }
        }
    }
})
