package dev.limiter.portal

import dev.limiter.BucketStore
import dev.limiter.LimiterClock
import dev.limiter.LocalBucketStore
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty

const val ADMIN_TOKEN: String = "portal-spec-admin-token"

/** A portal instance on a real socket (Netty, a free port) and a client that talks to it. */
class PortalServer(
    store: BucketStore = LocalBucketStore(),
    clock: LimiterClock = LimiterClock.SYSTEM,
    settings: PortalSettings = PortalSettings(adminToken = ADMIN_TOKEN),
) : AutoCloseable {
    val server: EmbeddedServer<*, *> =
        embeddedServer(Netty, configure = {
            connector { port = 0; host = "127.0.0.1" }
            maxInitialLineLength = settings.requestLimits.maxHeaderBytes
            maxHeaderSize = settings.requestLimits.maxHeaderBytes
            channelPipelineConfig = { MalformedRequests.install(this) }
        }) { portal(settings, store, clock) }
            .start(wait = false)
    val client = HttpClient(CIO) { expectSuccess = false }
    val base: String = "http://127.0.0.1:" + kotlinx.coroutines.runBlocking { server.engine.resolvedConnectors().first().port }

    override fun close() {
        client.close()
        server.stop(0, 0)
    }
}

suspend fun <T> withPortal(
    store: BucketStore = LocalBucketStore(),
    clock: LimiterClock = LimiterClock.SYSTEM,
    settings: PortalSettings = PortalSettings(adminToken = ADMIN_TOKEN),
    block: suspend PortalServer.() -> T,
): T = PortalServer(store, clock, settings).use { it.block() }
