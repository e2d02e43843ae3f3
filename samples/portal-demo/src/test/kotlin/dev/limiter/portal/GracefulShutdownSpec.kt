package dev.limiter.portal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.get
import io.ktor.client.request.headers
import io.ktor.http.HttpStatusCode
import kotlin.concurrent.thread

/** A stopping portal finishes the calls it took and refuses new ones with problem+json (issue 14, finding 6). */
class GracefulShutdownSpec : FunSpec({
    timeout = 60_000

    test("a call in flight when the portal stops is answered in full; a call arriving meanwhile gets 503 problem+json") {
        withPortal {
            val draining = server.application.draining
            RawHttp(base).use { raw ->
                raw.head("PUT /admin/limits/config HTTP/1.1\nHost: x\nAuthorization: Bearer $ADMIN_TOKEN\nContent-Type: application/yaml\nTransfer-Encoding: chunked")
                val yaml = PortalSettings.bundledLimits().toByteArray()
                raw.chunk(yaml.copyOfRange(0, yaml.size / 2))
                while (draining.inFlight() < 1) Thread.onSpinWait()

                var drained = false
                val stopping = thread { server.stopGracefully(30_000); drained = true }
                while (!draining.isDraining()) Thread.onSpinWait()
                val refused = client.get("$base/health")
                refused.status shouldBe HttpStatusCode.ServiceUnavailable
                refused.headers["Content-Type"]!! shouldStartWith "application/problem+json"

                raw.chunk(yaml.copyOfRange(yaml.size / 2, yaml.size))
                raw.chunk(ByteArray(0))
                raw.response().status shouldBe 200
                stopping.join(30_000)
                drained shouldBe true
            }
        }
    }

    test("answered calls stop counting once their responses are written, so a stop does not wait the grace out") {
        withPortal {
            val draining = server.application.draining
            repeat(50) { i ->
                client.get("$base/resource") { headers.append("X-API-Key", "drain-$i") }.status shouldBe HttpStatusCode.OK
            }
            client.get("$base/health").status shouldBe HttpStatusCode.OK
            // Each response's write finishes on Netty's loop just after the client reads it;
            // nothing else is in flight, so the count must come back to zero.
            var spins = 0L
            while (draining.inFlight() != 0 && spins++ < 2_000_000_000L) Thread.onSpinWait()
            draining.inFlight() shouldBe 0
            draining.drain(30_000) shouldBe true
        }
    }

    test("the grace period comes from SHUTDOWN_GRACE_MS") {
        RequestLimits.fromEnvironment(mapOf("SHUTDOWN_GRACE_MS" to "250")).shutdownGraceMillis shouldBe 250
    }
})
