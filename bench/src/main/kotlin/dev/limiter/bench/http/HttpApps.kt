package dev.limiter.bench.http

import dev.limiter.BucketStore
import dev.limiter.LimitPolicy
import dev.limiter.LocalBucketStore
import dev.limiter.Rate
import dev.limiter.ktor.RateLimiting
import dev.limiter.portal.PortalSettings
import dev.limiter.portal.portal
import dev.limiter.redis.RedisBucketStore
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationStopped
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.plugins.ratelimit.RateLimit
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import kotlin.time.Duration.Companion.seconds

/**
 * The HTTP apps the load suites compare: the same small endpoint bare, behind Ktor's own
 * `RateLimit`, and behind our `RateLimiting` plugin with the local and the Redis store; and
 * the portal demo itself (`samples/portal-demo`, its bundled limits) on either store.
 *
 * The endpoint answers a small text body, like the portal demo's quota route, so the numbers
 * show what rate limiting adds and little else.
 */
object HttpApps {
    /** The path the load generator calls on the small app. */
    const val PATH: String = "/v1/quota"

    /** The portal demo's route limited by its `free` policy. */
    const val PORTAL_PATH: String = "/resource"

    /** The portal demo's central limiter API. */
    const val CHECK_PATH: String = "/v1/check"

    /** The header that carries the developer's API key. */
    const val API_KEY_HEADER: String = "X-API-Key"

    /** Names of the app variants this build can start. */
    @JvmStatic
    fun variants(): List<String> =
        listOf("none", "ktor-ratelimit", "limiter-local", "limiter-redis", "portal-local", "portal-redis")

    /** Whether [variant] needs a Redis server. */
    @JvmStatic
    fun needsRedis(variant: String): Boolean = variant.endsWith("-redis")

    /** The path the traffic model calls on [variant]. */
    @JvmStatic
    fun path(variant: String): String = if (variant.startsWith("portal-")) PORTAL_PATH else PATH

    /**
     * Starts [variant] on 127.0.0.1:[port] and returns the running server; [redisUri] is the
     * server that `limiter-redis` keeps its buckets in (unused by the others).
     */
    @JvmStatic
    fun start(variant: String, port: Int, redisUri: String?): EmbeddedServer<*, *> {
        val module: Application.() -> Unit = when (variant) {
            "none" -> fun Application.() { endpoint() }
            "ktor-ratelimit" -> fun Application.() {
                ktorRateLimit()
                endpoint()
            }
            "limiter-local" -> fun Application.() {
                limiter(null)
                endpoint()
            }
            "limiter-redis" -> fun Application.() {
                limiter(requireNotNull(redisUri) { "variant limiter-redis needs a Redis URI, was null" })
                endpoint()
            }
            "portal-local" -> fun Application.() { portal(PortalSettings(port = port), LocalBucketStore()) }
            "portal-redis" -> fun Application.() {
                val store = redisStore(requireNotNull(redisUri) { "variant portal-redis needs a Redis URI, was null" })
                portal(PortalSettings(port = port, redisUrl = redisUri), store)
            }
            else -> throw IllegalArgumentException(
                "unknown HTTP app variant '$variant'; use one of ${variants()}",
            )
        }
        return embeddedServer(CIO, port = port, host = "127.0.0.1", module = module).start(wait = false)
    }

    private fun Application.endpoint() {
        routing {
            get(PATH) { call.respondText("{\"quota\":\"ok\"}") }
        }
    }

    /**
     * Our plugin with the seed's `free` policy (40, refilled at 10/s) per `X-API-Key`, in memory
     * or in Redis at [redisUri], with the default (IETF and legacy) headers.
     */
    private fun Application.limiter(redisUri: String?) {
        val redis = redisUri?.let { redisStore(it) }
        install(RateLimiting) {
            policy("free", LimitPolicy.tokenBucket(40, Rate.perSecond(10)))
            apiKeyHeader = API_KEY_HEADER
            if (redis != null) store = redis
        }
    }

    /** A Redis store closed with the application. */
    private fun Application.redisStore(uri: String): BucketStore {
        val store = RedisBucketStore.connect(uri)
        monitor.subscribe(ApplicationStopped) { store.close() }
        return store
    }

    /**
     * Ktor's own plugin with the seed's `free` policy as close as it allows: its limiter
     * refills all `limit` tokens at once every `refillPeriod`, so 40 per 4 s stands for
     * "40, refilled at 10/s" (same average, coarser refill).
     */
    private fun Application.ktorRateLimit() {
        install(RateLimit) {
            global {
                rateLimiter(limit = 40, refillPeriod = 4.seconds)
                requestKey { call -> call.request.headers[API_KEY_HEADER] ?: "anonymous" }
            }
        }
    }
}
