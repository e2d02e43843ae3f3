package dev.limiter.ktor.internal

import dev.limiter.LimiterClock
import dev.limiter.RateLimits
import dev.limiter.adaptive.AdaptiveMetrics
import io.ktor.server.application.ApplicationCall
import io.ktor.util.AttributeKey
import io.micrometer.core.instrument.MeterRegistry
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.add
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonArray
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import java.time.Duration
import java.util.Locale
import kotlin.time.toKotlinDuration

/**
 * The plugin's side of adaptive limits: it times every response for the latency and
 * error-rate signals, exports the factor as the `limiter.adaptive.factor` gauge, and says
 * what the factor is in headers and on `/health`. Changes are logged by the adaptive limits
 * themselves, once each; nothing here logs.
 *
 * A response is timed from the moment the limiter let its call through (from the start of
 * the call on routes the limiter does not decide), so time spent waiting in a queue does not
 * read as a slow service; the plugin's own refusals (401, 403, 429) are not fed at all.
 */
internal class AdaptiveFeed(private val engine: RateLimits, private val registry: MeterRegistry?, private val clock: LimiterClock) {
    @Volatile
    private var bound = false

    init {
        bindGauge()
    }

    /**
     * Reads the factor every interval in [scope], so that it moves (and is logged) with no
     * traffic at all: otherwise a quiet service would take one step per read after a spike,
     * and `/health` would show a factor that no longer holds. Waits in real time, between
     * reads of whichever adaptive limits the engine has then.
     */
    fun keepCurrent(scope: CoroutineScope): Job = scope.launch {
        while (isActive) {
            val adaptive = engine.adaptive
            adaptive?.factor
            delay((adaptive?.settings?.interval ?: Duration.ofSeconds(1)).toKotlinDuration())
        }
    }

    /** Marks the start of [call]'s own work: now. */
    fun started(call: ApplicationCall) {
        call.attributes.put(Started, clock.nowNanos())
    }

    /** Marks [call] as answered by the plugin itself: not a response of the service. */
    fun refused(call: ApplicationCall) {
        call.attributes.put(Refused, true)
    }

    /** Feeds [call]'s response time and status to the adaptive limits in force, if any. */
    fun responded(call: ApplicationCall) {
        val adaptive = engine.adaptive ?: return
        bindGauge()
        if (call.attributes.contains(Refused)) return
        val start = call.attributes.getOrNull(Started) ?: return
        val status = call.response.status()?.value ?: 200
        adaptive.recordResponse(Duration.ofNanos((clock.nowNanos() - start).coerceAtLeast(0)), failed = status >= 500)
    }

    /** The factor to show for a decision by the level [name]: `null` when [name] is not adaptive. */
    fun factorOf(name: String): Double? {
        val adaptive = engine.adaptive ?: return null
        return if (name in engine.adaptivePolicies) adaptive.factor else null
    }

    /** The `adaptive` object of `/health`, or `null` without adaptive limits. */
    fun health(): JsonObject? {
        val adaptive = engine.adaptive ?: return null
        val factor = adaptive.factor
        val change = adaptive.lastChange
        return buildJsonObject {
            put("factor", factor)
            putJsonArray("policies") { engine.adaptivePolicies.sorted().forEach { add(it) } }
            put("reason", adaptive.reason)
            put("changedAt", change?.at?.toString())
        }
    }

    // The engine may gain adaptive limits only on a hot reload, so the gauge is bound at start
    // when it has them and otherwise at the first response after it gains them.
    private fun bindGauge() {
        if (bound || registry == null || engine.adaptive == null) return
        synchronized(this) {
            if (!bound) AdaptiveMetrics(engine).bindTo(registry)
            bound = true
        }
    }

    companion object {
        /** The header that carries the factor of an adaptive level's decision. */
        const val FACTOR_HEADER = "X-RateLimit-Adaptive-Factor"

        private val Started = AttributeKey<Long>("dev.limiter.ktor.adaptive.started")
        private val Refused = AttributeKey<Boolean>("dev.limiter.ktor.adaptive.refused")

        /** Formats a factor as the header shows it: `0.750`. */
        fun format(factor: Double): String = String.format(Locale.ROOT, "%.3f", factor)
    }
}
