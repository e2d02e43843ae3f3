package dev.limiter.ktor.internal

import dev.limiter.KeyUsage
import dev.limiter.LimiterMetrics
import io.micrometer.core.instrument.MeterRegistry
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.add
import kotlinx.serialization.json.addJsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonArray

/** Decisions of one policy with one outcome: [total] since the registry started, [perSecond] over the last tick. */
internal data class DecisionRate(val policy: String, val outcome: String, val total: Long, val perSecond: Double)

/** One of the busiest keys; [key] is already shortened as the logs shorten it. */
internal data class BusyKey(val key: String, val allowed: Long, val rejected: Long)

/**
 * What every dashboard shows at one tick. Built once per tick and shared by every viewer, so
 * [json] is encoded once, however many viewers there are.
 */
internal data class DashboardSnapshot(
    val tick: Long,
    val decisions: List<DecisionRate>,
    val topKeys: List<BusyKey>,
    val backend: String,
    val queueDepth: Long,
    val adaptiveFactor: Double?,
    val metricsEnabled: Boolean,
) {
    val json: String by lazy {
        buildJsonObject {
            put("tick", tick)
            put("metrics", metricsEnabled)
            put("backend", backend)
            put("queueDepth", queueDepth)
            put("adaptiveFactor", adaptiveFactor?.let(::JsonPrimitive) ?: JsonNull)
            putJsonArray("decisions") {
                decisions.forEach { d ->
                    addJsonObject {
                        put("policy", d.policy); put("outcome", d.outcome); put("total", d.total); put("perSecond", d.perSecond)
                    }
                }
            }
            putJsonArray("topKeys") {
                topKeys.forEach { k -> addJsonObject { put("key", k.key); put("allowed", k.allowed); put("rejected", k.rejected) } }
            }
        }.toString()
    }
}

/**
 * Takes dashboard snapshots: decisions per second are the deltas of the `limiter.requests`
 * counters between two calls to [sample], so one sampler must serve one feed, called from one
 * coroutine at a time.
 */
internal class DashboardSampler(
    private val registry: MeterRegistry?,
    private val backend: () -> String,
    private val busiest: suspend (Int) -> List<KeyUsage>,
    private val tickSeconds: Double,
    private val topKeyCount: Int = 10,
) {
    private var previous: Map<Pair<String, String>, Long>? = null
    private var tick = 0L

    suspend fun sample(): DashboardSnapshot {
        val totals = totals()
        val before = previous
        previous = totals
        val decisions = totals.entries.sortedWith(compareBy({ it.key.first }, { it.key.second })).map { (id, total) ->
            val delta = if (before == null) 0 else total - (before[id] ?: 0)
            DecisionRate(id.first, id.second, total, delta / tickSeconds)
        }
        val top = busiest(topKeyCount).map { BusyKey(shortKey(it.key), it.allowed, it.rejected) }
        return DashboardSnapshot(tick++, decisions, top, backend(), queueDepth(), adaptiveFactor(), registry != null)
    }

    /** Counter totals by (policy, outcome), summed over backends. */
    private fun totals(): Map<Pair<String, String>, Long> {
        val registry = registry ?: return emptyMap()
        val sums = HashMap<Pair<String, String>, Long>()
        registry.find(LimiterMetrics.REQUESTS).counters().forEach { c ->
            val id = (c.id.getTag("policy") ?: "?") to (c.id.getTag("outcome") ?: "?")
            sums.merge(id, c.count().toLong(), Long::plus)
        }
        return sums
    }

    private fun queueDepth(): Long =
        registry?.find(LimiterMetrics.QUEUE_DEPTH)?.gauges()?.sumOf { it.value().toLong() } ?: 0

    private fun adaptiveFactor(): Double? =
        registry?.find(ADAPTIVE_FACTOR)?.gauge()?.value()?.takeUnless { it.isNaN() }

    companion object {
        const val ADAPTIVE_FACTOR = "limiter.adaptive.factor"

        /**
         * Shortens a key for display as the logs do. A key without a kind prefix is taken for
         * an API key, the safe reading: a credential must never reach a page in full.
         */
        fun shortKey(key: String): String =
            if (key.startsWith("user:") || key.startsWith("ip:") || key.startsWith("key:")) loggableKey(key)
            else loggableKey("key:$key")
    }
}
