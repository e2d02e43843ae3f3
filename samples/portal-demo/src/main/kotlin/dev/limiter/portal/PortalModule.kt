package dev.limiter.portal

import dev.limiter.ktor.headerUtf8
import dev.limiter.BackendState
import dev.limiter.BackendStateSource
import dev.limiter.BucketStore
import dev.limiter.LimiterClock
import dev.limiter.config.ConfigStore
import dev.limiter.ktor.HeaderStyle
import dev.limiter.ktor.MissingKey
import dev.limiter.ktor.RateLimiting
import dev.limiter.ktor.healthRoute
import dev.limiter.ktor.metricsRoute
import dev.limiter.ktor.quotaWidget
import dev.limiter.ktor.rateLimitDashboard
import dev.limiter.ktor.rateLimitAdmin
import io.ktor.http.ContentType
import io.ktor.server.application.Application
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.routing
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.util.function.BooleanSupplier

/**
 * The portal's API service on the RateLimiting plugin: `GET /resource` limited per API key
 * (the config's `free` policy: bucket 40, refill 10/s, `pro` for assigned keys),
 * `POST /reports` (cost 10 from `reports`), admin routes, the live dashboard and the quota
 * widget, `/metrics`, `/health`, and the central limiter API under `/v1` for back ends that
 * are not on the JVM. With a [configStore] every node enforces the store's latest limits and
 * the admin routes publish through it.
 */
fun Application.portal(
    settings: PortalSettings,
    store: BucketStore,
    clock: LimiterClock = LimiterClock.SYSTEM,
    registry: PrometheusMeterRegistry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
    configStore: ConfigStore? = null,
) {
    // Hardening (issue 14): problem+json errors, body limits, inline-policy bound, draining.
    installProblemResponses()
    installRequestLimits(settings.requestLimits)
    installInlinePolicies(store, clock, registry, settings.requestLimits.maxInlinePolicies)
    installDraining()
    install(RateLimiting) {
        config = settings.limits
        this.store = store
        this.configStore = configStore // cfgstore: shared, versioned limits (RedisConfigStore when REDIS_URL is set)
        // cfgstore: the Redis store is passed itself (usage pooled); its backend state comes through BackendStateSource.
        (store as? BackendStateSource)?.let { s -> backendIsPrimary = BooleanSupplier { s.backendState == BackendState.PRIMARY } }
        this.clock = clock
        headerStyle = HeaderStyle.BOTH
        missingKey = MissingKey.REJECT
        meterRegistry = registry
    }
    routing {
        get("/resource") {
            val body = buildJsonObject {
                put("resource", "portal data")
                put("key", call.headerUtf8("X-API-Key"))
            }
            call.respondText(body.toString(), ContentType.Application.Json)
        }
        post("/reports") { call.respondText("{\"report\":\"queued\"}", ContentType.Application.Json) }
        rateLimitAdmin(settings.adminToken)
        rateLimitDashboard(settings.adminToken)
        quotaWidget()
        metricsRoute(registry)
        healthRoute()
        limiterService(settings.adminToken)
    }
}
