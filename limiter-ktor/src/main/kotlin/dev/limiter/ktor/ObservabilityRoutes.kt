@file:JvmName("ObservabilityRouting")

package dev.limiter.ktor

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlin.time.Duration.Companion.seconds

/** The content type of Prometheus text exposition format 0.0.4. */
private val PrometheusText = ContentType.parse("text/plain; version=0.0.4; charset=utf-8")

/**
 * Serves [registry]'s meters as Prometheus text at [path] (`/metrics` by default), never rate
 * limited; returns the route.
 *
 * Pass the same registry as the plugin's `meterRegistry` to see the `limiter.*` meters.
 */
public fun Route.metricsRoute(registry: PrometheusMeterRegistry, path: String = "/metrics"): Route =
    unlimited { get(path) { call.respondText(registry.scrape(), PrometheusText) } }

/**
 * Serves the backend state at [path] (`/health` by default), never rate limited; returns the
 * route.
 *
 * Answers 200 with `{"status":"UP","backend":"primary"}` when the store answers a probe within
 * a second, and 503 with `{"status":"DOWN"}` and the error when it does not. `backend` is
 * `fallback` (or `probing`) while a `FaultTolerantBucketStore` decides without its primary; in
 * `LOCAL` mode the status stays `UP` then, since calls are still limited.
 *
 * With adaptive limits in force, `adaptive` says where the factor stands and why:
 * `{"factor":0.75,"policies":["free"],"reason":"load 0.930 above high 0.8: factor 1.000 -> 0.750","changedAt":"…"}`
 * (`changedAt` is `null` while the factor never moved).
 */
public fun Route.healthRoute(path: String = "/health"): Route {
    val enforcer = application.enforcer()
    return unlimited {
        get(path) {
            val probe = runCatching {
                withTimeoutOrNull(1.seconds) {
                    enforcer.store.inspect("limiter:health-probe", ProbePolicy, 1, enforcer.clock.nowNanos() / 1_000)
                }
            }
            val backend = enforcer.backendState
            val up = probe.isSuccess && probe.getOrNull() != null
            call.respondJson(
                buildJsonObject {
                    put("status", if (up) "UP" else "DOWN")
                    put("backend", backend)
                    put("store", enforcer.store.toString())
                    enforcer.adaptive.health()?.let { put("adaptive", it) }
                    probe.exceptionOrNull()?.let { put("error", it.toString()) }
                    if (probe.isSuccess && probe.getOrNull() == null) put("error", "store did not answer within 1s")
                },
                if (up) HttpStatusCode.OK else HttpStatusCode.ServiceUnavailable,
            )
        }
    }
}

private val ProbePolicy: LimitPolicy = LimitPolicy.tokenBucket(1, Rate.parse("1/s")).named("health-probe")
