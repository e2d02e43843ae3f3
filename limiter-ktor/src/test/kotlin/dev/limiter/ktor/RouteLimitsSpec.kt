package dev.limiter.ktor

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.config.LimitsConfig
import dev.limiter.testing.MockClock
import java.time.Duration
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.client.request.post
import io.ktor.client.request.header

private val portalYaml = """
    policies:
      free:    { algorithm: token-bucket, capacity: 3,  refill: 1/s }
      pro:     { algorithm: token-bucket, capacity: 6,  refill: 1/s }
      reports: { algorithm: token-bucket, capacity: 20, refill: 1/s }
    default-policy: free
    keys:      { dev-42: pro }
    endpoints: { "POST /reports": { cost: 10, policy: reports } }
    allowlist: [ admin-key ]
    denylist:  [ abuser-1, 192.0.2.0/24 ]
""".trimIndent()

class RouteLimitsSpec : FunSpec({

    test("rateLimited gives a subtree another configured policy and a cost per call") {
        limitedApp(
            configure = { policy("wide", LimitPolicy.tokenBucket(10, Rate.parse("1/s"))) },
            routes = { rateLimited("wide", cost = 5) { get("/expensive") { call.respondText("ok") } } },
        ) {
            client.hit("/expensive", "k").headers["X-RateLimit-Remaining"] shouldBe "5"
            client.hit("/expensive", "k").status shouldBe HttpStatusCode.OK
            client.hit("/expensive", "k").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("defaultLimits gives a subtree its own quota, separate from the default policy's") {
        limitedApp(routes = { defaultLimits(calls = 2, period = "1h") { get("/hourly") { call.respondText("ok") } } }) {
            repeat(2) { client.hit("/hourly", "k").status shouldBe HttpStatusCode.OK }
            client.hit("/hourly", "k").status shouldBe HttpStatusCode.TooManyRequests
            client.hit("/hello", "k").status shouldBe HttpStatusCode.OK
        }
    }

    test("paths that match no route are answered 404, never 429") {
        limitedApp {
            repeat(3) { client.hit("/hello", "k") }
            repeat(5) { client.hit("/missing", "k").status shouldBe HttpStatusCode.NotFound }
        }
    }

    test("unlimited exempts a subtree: no limit and no headers") {
        limitedApp(routes = { unlimited { get("/free") { call.respondText("ok") } } }) {
            repeat(10) { client.hit("/free", "k").status shouldBe HttpStatusCode.OK }
            client.hit("/free", "k").headers["RateLimit"] shouldBe null
        }
    }

    test("a rateLimited subtree inside an unlimited one is limited again") {
        limitedApp(routes = { unlimited { rateLimited("small") { get("/inner") { call.respondText("ok") } } } }) {
            repeat(3) { client.hit("/inner", "k") }
            client.hit("/inner", "k").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("tiers from the config give a key its policy") {
        limitedApp(configure = { config = LimitsConfig.parse(portalYaml) }) {
            repeat(3) { client.hit("/hello", "someone").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "someone").status shouldBe HttpStatusCode.TooManyRequests
            repeat(6) { client.hit("/hello", "dev-42").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "dev-42").headers["RateLimit-Policy"] shouldBe "\"pro\";q=6;w=6"
        }
    }

    test("endpoint costs from the config draw from the endpoint's policy") {
        limitedApp(configure = { config = LimitsConfig.parse(portalYaml) }, routes = { post("/reports") { call.respondText("queued") } }) {
            val first = client.post("/reports") { header("X-API-Key", "k") }
            first.status shouldBe HttpStatusCode.OK
            first.headers["RateLimit"] shouldBe "\"reports\";r=10;t=10"
            client.post("/reports") { header("X-API-Key", "k") }.status shouldBe HttpStatusCode.OK
            client.post("/reports") { header("X-API-Key", "k") }.status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("allow-listed keys pass without limits, deny-listed keys get 403") {
        limitedApp(configure = { config = LimitsConfig.parse(portalYaml) }) {
            repeat(10) { client.hit("/hello", "admin-key").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "abuser-1").status shouldBe HttpStatusCode.Forbidden
        }
    }

    test("a global ceiling from the config limits all keys together, and its refusals cost a key nothing") {
        val yaml = """
            policies:
              each: { algorithm: token-bucket, capacity: 5, refill: 1/s }
            default-policy: each
            global: { algorithm: token-bucket, capacity: 4, refill: 1/s }
        """.trimIndent()
        val clock = MockClock()
        limitedApp(clock, configure = { config = LimitsConfig.parse(yaml) }) {
            listOf("a", "b", "c", "d").forEach { client.hit("/hello", it).status shouldBe HttpStatusCode.OK }
            repeat(3) {
                val refused = client.hit("/hello", "e")
                refused.status shouldBe HttpStatusCode.TooManyRequests
                refused.headers["RateLimit-Policy"] shouldBe "\"global\";q=4;w=4"
            }
            clock.advance(Duration.ofSeconds(1))
            client.hit("/hello", "e").headers["RateLimit"] shouldBe "\"each\";r=4;t=1"
        }
    }
})
