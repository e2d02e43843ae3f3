package dev.limiter.ktor

import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.http.contentType
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import java.time.Duration

class RateLimitingSpec : FunSpec({

    test("a key gets its bucket's allowance, then 429 until the bucket refills") {
        val clock = MockClock()
        limitedApp(clock) {
            List(3) { client.hit("/hello", "k1").status } shouldBe List(3) { HttpStatusCode.OK }
            client.hit("/hello", "k1").status shouldBe HttpStatusCode.TooManyRequests
            clock.advance(Duration.ofSeconds(1))
            client.hit("/hello", "k1").status shouldBe HttpStatusCode.OK
            client.hit("/hello", "k1").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("keys are limited independently") {
        limitedApp {
            repeat(3) { client.hit("/hello", "k1") }
            client.hit("/hello", "k1").status shouldBe HttpStatusCode.TooManyRequests
            client.hit("/hello", "k2").status shouldBe HttpStatusCode.OK
        }
    }

    test("a 429 carries Retry-After in whole seconds rounded up and a problem body naming the policy") {
        val clock = MockClock()
        limitedApp(clock) {
            repeat(3) { client.hit("/hello", "k") }
            clock.advance(Duration.ofMillis(300))
            val refused = client.hit("/hello", "k")
            refused.status shouldBe HttpStatusCode.TooManyRequests
            refused.headers["Retry-After"] shouldBe "1"
            refused.contentType()?.toString() shouldBe "application/problem+json"
            val body = Json.parseToJsonElement(refused.bodyAsText()).jsonObject
            body["status"]!!.jsonPrimitive.long shouldBe 429
            body["policy"]!!.jsonPrimitive.content shouldBe "small"
            body["retryAfter"]!!.jsonPrimitive.long shouldBe 1
        }
    }

    test("Retry-After rounds a wait of 2.5 seconds up to 3") {
        val clock = MockClock()
        limitedApp(clock, configure = { policy("slow", dev.limiter.LimitPolicy.tokenBucket(1, dev.limiter.Rate.parse("2/5s"))) },
            routes = { rateLimited("slow") { get("/slow") { call.respondText("ok") } } }) {
            client.hit("/slow", "k").status shouldBe HttpStatusCode.OK
            client.hit("/slow", "k").headers["Retry-After"] shouldBe "3"
        }
    }

    test("IETF headers describe the policy as structured fields") {
        limitedApp(configure = { headerStyle = HeaderStyle.IETF }) {
            val ok = client.hit("/hello", "k")
            ok.headers["RateLimit-Policy"] shouldBe "\"small\";q=3;w=3"
            ok.headers["RateLimit"] shouldBe "\"small\";r=2;t=1"
            ok.headers["X-RateLimit-Limit"] shouldBe null
        }
    }

    test("legacy headers give limit, remaining and seconds until reset") {
        limitedApp(configure = { headerStyle = HeaderStyle.LEGACY }) {
            client.hit("/hello", "k")
            val second = client.hit("/hello", "k")
            second.headers["X-RateLimit-Limit"] shouldBe "3"
            second.headers["X-RateLimit-Remaining"] shouldBe "1"
            second.headers["X-RateLimit-Reset"] shouldBe "2"
            second.headers["RateLimit"] shouldBe null
        }
    }

    test("BOTH sends IETF and legacy headers, NONE sends neither but keeps Retry-After") {
        limitedApp(configure = { headerStyle = HeaderStyle.BOTH }) {
            val ok = client.hit("/hello", "k")
            ok.headers["RateLimit"] shouldBe "\"small\";r=2;t=1"
            ok.headers["X-RateLimit-Remaining"] shouldBe "2"
        }
        limitedApp(configure = { headerStyle = HeaderStyle.NONE }) {
            repeat(3) { client.hit("/hello", "k").headers.names().filter { it.contains("RateLimit", true) } shouldBe emptyList() }
            val refused = client.hit("/hello", "k")
            refused.headers["Retry-After"] shouldBe "1"
            refused.headers["RateLimit"] shouldBe null
        }
    }

    test("a refused call has its headers too, with nothing remaining") {
        limitedApp {
            repeat(3) { client.hit("/hello", "k") }
            val refused = client.hit("/hello", "k")
            refused.headers["RateLimit"] shouldBe "\"small\";r=0;t=3"
            refused.headers["X-RateLimit-Remaining"] shouldBe "0"
            refused.bodyAsText() shouldContain "small"
        }
    }
})
