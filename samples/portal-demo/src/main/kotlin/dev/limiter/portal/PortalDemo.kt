package dev.limiter.portal

import dev.limiter.BucketStore
import dev.limiter.FaultToleranceMode
import dev.limiter.LocalBucketStore
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.configStore
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.netty.NettyApplicationEngine

/**
 * Runs the portal demo: `./mvnw -q -pl samples/portal-demo -am exec:java`.
 *
 * Prints where it listens, the admin token (unless it came from `ADMIN_TOKEN`), the Redis URL
 * without its password, and a curl line to try. On SIGTERM it stops taking new requests, lets
 * the ones in flight finish within `SHUTDOWN_GRACE_MS`, then stops.
 */
fun main() {
    val settings = PortalSettings.fromEnvironment()
    val redis = settings.redisUrl?.let { RedisBucketStore.connect(it) }
    // The Redis store itself (fault tolerance on), so usage is pooled across nodes, and limits shared through Redis.
    val store = redis?.also { it.enableFaultTolerance(FaultToleranceMode.LOCAL) } ?: LocalBucketStore()
    val configStore = redis?.configStore()
    val server = portalServer(settings, store, configStore = configStore)
    Runtime.getRuntime().addShutdownHook(
        Thread { server.stopGracefully(settings.requestLimits.shutdownGraceMillis); configStore?.close(); redis?.close() },
    )
    server.start(wait = false)
    val port = kotlinx.coroutines.runBlocking { server.engine.resolvedConnectors().first().port }
    println(banner(settings, port, redis != null))
    Thread.currentThread().join()
}

/** Returns the portal on Netty, with Netty's header limit set from [settings]. */
fun portalServer(
    settings: PortalSettings,
    store: BucketStore,
    host: String = "0.0.0.0",
    configStore: dev.limiter.config.ConfigStore? = null,
): EmbeddedServer<NettyApplicationEngine, NettyApplicationEngine.Configuration> =
    embeddedServer(Netty, configure = {
        connector { this.port = settings.port; this.host = host }
        maxInitialLineLength = settings.requestLimits.maxHeaderBytes
        maxHeaderSize = settings.requestLimits.maxHeaderBytes
        channelPipelineConfig = { MalformedRequests.install(this) }
    }) { portal(settings, store, configStore = configStore) }

/** The start banner: never a password of `REDIS_URL`, never a token taken from `ADMIN_TOKEN`. */
fun banner(settings: PortalSettings, port: Int, onRedis: Boolean): String =
    """
    |portal-demo listening on http://localhost:$port (buckets: ${if (onRedis) "Redis ${settings.redisUrlForBanner()}, LOCAL fallback" else "in memory"})
    |admin token: ${settings.adminTokenForBanner()}
    |dashboard: http://localhost:$port/admin/limits/dashboard (log in with the admin token)  quota widget: http://localhost:$port/limiter/widget/widget.js
    |try: curl -i -H 'X-API-Key: dev-1' http://localhost:$port/resource
    |     curl -s -X POST -H 'Content-Type: application/json' -d '{"key":"user_123","policy":"free","permits":1}' http://localhost:$port/v1/check
    """.trimMargin()
