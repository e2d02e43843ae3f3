package dev.limiter.ktor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.request.basicAuth
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.http.contentType
import io.ktor.server.auth.UserIdPrincipal
import io.ktor.server.auth.authenticate
import io.ktor.server.auth.basic
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import java.util.concurrent.atomic.AtomicInteger

class KeyResolutionSpec : FunSpec({

    test("a spoofed X-Forwarded-For from an untrusted peer does not move a client into another quota") {
        limitedApp {
            repeat(3) { client.get("/hello") { header("X-Forwarded-For", "198.51.100.${it + 1}") }.status shouldBe HttpStatusCode.OK }
            client.get("/hello") { header("X-Forwarded-For", "198.51.100.99") }.status shouldBe HttpStatusCode.TooManyRequests
            client.get("/hello") { header("Forwarded", "for=198.51.100.77") }.status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("a refused call never reaches the route's handler") {
        val handled = AtomicInteger()
        limitedApp(routes = { get("/counted") { handled.incrementAndGet(); call.respondText("ok") } }) {
            repeat(5) { client.hit("/counted", "k") }
            handled.get() shouldBe 3
        }
    }

    test("the API key header names the key, and its name is configurable") {
        limitedApp(configure = { apiKeyHeader = "X-Developer-Key" }) {
            repeat(3) { client.get("/hello") { header("X-Developer-Key", "dev-1") } }
            client.get("/hello") { header("X-Developer-Key", "dev-1") }.status shouldBe HttpStatusCode.TooManyRequests
            client.get("/hello") { header("X-Developer-Key", "dev-2") }.status shouldBe HttpStatusCode.OK
            client.get("/hello").status shouldBe HttpStatusCode.OK
        }
    }

    test("a call without a key is answered 401 naming the header when keys are required") {
        limitedApp(configure = { missingKey = MissingKey.REJECT }) {
            val refused = client.get("/hello")
            refused.status shouldBe HttpStatusCode.Unauthorized
            refused.contentType()?.toString() shouldBe "application/problem+json"
            refused.bodyAsText() shouldContain "X-API-Key"
            client.hit("/hello", "k").status shouldBe HttpStatusCode.OK
        }
    }

    test("limits run after authentication: the principal is the key, and failed logins spend no quota") {
        limitedApp(
            configure = { missingKey = MissingKey.REJECT },
            routes = {
                authenticate("basic") { get("/me") { call.respondText("me") } }
            },
            auth = {
                basic("basic") { validate { c -> if (c.password == "secret") UserIdPrincipal(c.name) else null } }
            },
        ) {
            repeat(5) { client.get("/me") { basicAuth("alice", "wrong") }.status shouldBe HttpStatusCode.Unauthorized }
            repeat(3) { client.get("/me") { basicAuth("alice", "secret") }.status shouldBe HttpStatusCode.OK }
            client.get("/me") { basicAuth("alice", "secret") }.status shouldBe HttpStatusCode.TooManyRequests
            client.get("/me") { basicAuth("bob", "secret") }.status shouldBe HttpStatusCode.OK
        }
    }

    test("an API key takes precedence over the principal") {
        limitedApp(
            routes = { authenticate("basic") { get("/me") { call.respondText("me") } } },
            auth = { basic("basic") { validate { c -> UserIdPrincipal(c.name) } } },
        ) {
            repeat(3) { client.get("/me") { basicAuth("alice", "x"); header("X-API-Key", "shared") } }
            client.get("/me") { basicAuth("bob", "x"); header("X-API-Key", "shared") }.status shouldBe HttpStatusCode.TooManyRequests
            client.get("/me") { basicAuth("bob", "x") }.status shouldBe HttpStatusCode.OK
        }
    }
})
