package dev.limiter.portal

import dev.limiter.FaultToleranceMode
import dev.limiter.LocalBucketStore
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.configStore
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty

/**
 * Runs the portal demo: `./mvnw -q -pl samples/portal-demo -am exec:java`.
 *
 * Prints where it listens, the admin token and a curl line to try.
 */
fun main() {
    val settings = PortalSettings.fromEnvironment()
    val redis = settings.redisUrl?.let { RedisBucketStore.connect(it) }
    // cfgstore: the Redis store itself (fault tolerance on) so usage is pooled, and limits shared through Redis.
    val store = redis?.also { it.enableFaultTolerance(FaultToleranceMode.LOCAL) } ?: LocalBucketStore()
    val configStore = redis?.configStore()
    val server = embeddedServer(Netty, port = settings.port) { portal(settings, store, configStore = configStore) }
    Runtime.getRuntime().addShutdownHook(Thread { server.stop(500, 2_000); configStore?.close(); redis?.close() })
    server.start(wait = false)
    val port = kotlinx.coroutines.runBlocking { server.engine.resolvedConnectors().first().port }
    println(
        """
        |portal-demo listening on http://localhost:$port (buckets: ${if (redis != null) "Redis ${settings.redisUrl}, LOCAL fallback" else "in memory"})
        |admin token: ${settings.adminToken}
        |try: curl -i -H 'X-API-Key: dev-1' http://localhost:$port/resource
        |     curl -s -X POST -H 'Content-Type: application/json' -d '{"key":"user_123","policy":"free","permits":1}' http://localhost:$port/v1/check
        """.trimMargin(),
    )
    Thread.currentThread().join()
}
