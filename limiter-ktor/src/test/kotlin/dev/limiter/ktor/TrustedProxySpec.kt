package dev.limiter.ktor

import dev.limiter.ktor.internal.LimitEnforcer
import dev.limiter.testing.MockClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.http.HttpStatusCode
import io.ktor.server.cio.CIO
import io.ktor.server.application.install
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.client.engine.cio.CIO as ClientCIO

/** Over a real socket, where the peer is 127.0.0.1 and forwarded headers matter. */
class TrustedProxySpec : FunSpec({
    timeout = 30_000

    suspend fun withServer(trusted: List<String>, block: suspend (HttpClient, String) -> Unit) {
        val server = embeddedServer(CIO, port = 0, host = "127.0.0.1") {
            install(RateLimiting) {
                policy("small", smallBucket)
                trustedProxies = trusted
                // A clock that does not move: the quota cannot refill between requests, however slow.
                clock = MockClock()
            }
            routing { get("/hello") { call.respondText("hello") } }
        }
        server.startSuspend(wait = false)
        val client = HttpClient(ClientCIO)
        try {
            val port = server.engine.resolvedConnectors().first().port
            block(client, "http://127.0.0.1:$port")
        } finally {
            client.close()
            server.stop(0, 0)
        }
    }

    test("behind a trusted proxy, each forwarded client address has its own quota") {
        withServer(listOf("127.0.0.0/8")) { client, base ->
            repeat(3) { client.get("$base/hello") { header("X-Forwarded-For", "203.0.113.5") }.status shouldBe HttpStatusCode.OK }
            client.get("$base/hello") { header("X-Forwarded-For", "203.0.113.5") }.status shouldBe HttpStatusCode.TooManyRequests
            client.get("$base/hello") { header("X-Forwarded-For", "203.0.113.6") }.status shouldBe HttpStatusCode.OK
        }
    }

    test("a client cannot escape its quota by prepending addresses to the forwarded chain") {
        withServer(listOf("127.0.0.0/8")) { client, base ->
            repeat(3) { client.get("$base/hello") { header("X-Forwarded-For", "203.0.113.5") } }
            client.get("$base/hello") { header("X-Forwarded-For", "198.51.100.1, 203.0.113.5") }.status shouldBe
                HttpStatusCode.TooManyRequests
            client.get("$base/hello") { header("Forwarded", "for=198.51.100.1, for=\"203.0.113.5:4711\"") }.status shouldBe
                HttpStatusCode.TooManyRequests
        }
    }

    test("forwarded headers from a peer outside the trusted ranges are ignored") {
        withServer(listOf("10.0.0.0/8")) { client, base ->
            repeat(3) { client.get("$base/hello") { header("X-Forwarded-For", "203.0.113.${it + 10}") } }
            client.get("$base/hello") { header("X-Forwarded-For", "203.0.113.99") }.status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("a trusted proxy entry that is not an address fails at install, naming the entry and the fix") {
        val settings = RateLimitingConfig().apply {
            policy("small", smallBucket)
            trustedProxies = listOf("10.0.0.0/8", "proxy.local")
        }
        shouldThrow<IllegalArgumentException> { LimitEnforcer(settings) }.message shouldBe
            "trustedProxies[1]: 'proxy.local' is not an IP address or CIDR range; write e.g. 10.0.0.0/8, 192.168.1.7 or ::1"
    }
})
