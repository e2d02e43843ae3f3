package dev.limiter

import io.micrometer.core.instrument.Counter
import io.micrometer.core.instrument.Gauge
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Tags
import io.micrometer.core.instrument.Timer
import kotlinx.coroutines.runBlocking
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.function.BooleanSupplier

/**
 * Publishes what limiters decide as Micrometer meters; pass it to
 * `RateLimiter.builder(policy).listener(metrics)`.
 *
 * Meters: `limiter.requests` (counter; tags `policy`, `outcome` = allowed | rejected | queued |
 * timeout | shadow_rejected (allowed, but a shadow policy would have refused), `backend` =
 * primary | fallback), `limiter.acquire.latency` (timer of the time a
 * request waited, zero for requests that did not queue; tag `policy`), `limiter.queue.depth`
 * (gauge of waiters; tag `policy`) and `limiter.tokens` for the keys passed to [watchTokens].
 * The `limiter.backend.state` gauge comes from [FaultToleranceMetrics], bound to the store.
 *
 * No meter is tagged by key unless asked for with [watchTokens]: thousands of API keys would
 * flood the metrics backend. Safe for any number of threads; one instance can serve many
 * limiters.
 */
public class LimiterMetrics @JvmOverloads constructor(
    private val registry: MeterRegistry,
    /** Whether decisions come from the primary backend right now; `null` when there is no fallback. */
    private val isPrimary: BooleanSupplier? = null,
) : LimiterListener {
    private val counters = ConcurrentHashMap<Triple<String, String, String>, Counter>()
    private val timers = ConcurrentHashMap<String, Timer>()
    private val depths = ConcurrentHashMap<String, QueueDepth>()

    override fun onDecision(policy: LimitPolicy, decision: Decision, waited: Duration, queued: Boolean) {
        val name = tagOf(policy)
        val outcome = when {
            decision.shadowDenied -> "shadow_rejected"
            decision.allowed && queued -> "queued"
            decision.allowed -> "allowed"
            decision.reason == DenyReason.QUEUE_TIMEOUT -> "timeout"
            else -> "rejected"
        }
        depthOf(name) // registered with the first decision, so dashboards see 0 rather than no data
        val backend = if (isPrimary == null || isPrimary.asBoolean) "primary" else "fallback"
        counters.computeIfAbsent(Triple(name, outcome, backend)) { (p, o, b) ->
            Counter.builder(REQUESTS).description("Rate-limit decisions")
                .tags(Tags.of("policy", p, "outcome", o, "backend", b)).register(registry)
        }.increment()
        timers.computeIfAbsent(name) { p ->
            Timer.builder(ACQUIRE_LATENCY).description("Time a request waited for its permits")
                .tags("policy", p).register(registry)
        }.record(waited)
    }

    override fun onQueueDepth(policy: LimitPolicy, depth: Int) {
        depthOf(tagOf(policy)).report(policy, depth)
    }

    /**
     * Publishes the tokens in [key]'s bucket of [limiter] as the gauge `limiter.tokens` (tags
     * `policy`, `key`); for the few keys worth watching, never for every key.
     */
    public fun watchTokens(limiter: RateLimiter, key: String) {
        Gauge.builder(TOKENS, limiter) { runBlocking { it.tokenCount(key) } }
            .description("Tokens in a watched key's bucket")
            .tags("policy", tagOf(limiter.policy), "key", key)
            .register(registry)
    }

    private fun depthOf(policy: String): QueueDepth = depths.computeIfAbsent(policy) { p ->
        QueueDepth().also {
            Gauge.builder(QUEUE_DEPTH, it) { depth -> depth.total().toDouble() }
                .description("Requests waiting for permits").tags("policy", p).register(registry)
        }
    }

    /**
     * The waiters of every limiter reporting under one policy tag, summed. A policy whose
     * numbers change (a config reload, an adaptive step) gets a new limiter while callers still
     * wait in the old one; each reports its own depth, told apart by its policy object.
     */
    private class QueueDepth {
        private val byLimiter = ConcurrentHashMap<Identity, Int>()

        fun report(policy: LimitPolicy, depth: Int) {
            if (depth == 0) byLimiter.remove(Identity(policy)) else byLimiter[Identity(policy)] = depth
        }

        fun total(): Int = byLimiter.values.sum()
    }

    private class Identity(private val of: Any) {
        override fun equals(other: Any?): Boolean = other is Identity && other.of === of
        override fun hashCode(): Int = System.identityHashCode(of)
    }

    private fun tagOf(policy: LimitPolicy): String = policy.name ?: policy.id

    public companion object {
        /** Counter of decisions. */
        public const val REQUESTS: String = "limiter.requests"

        /** Timer of the time requests waited. */
        public const val ACQUIRE_LATENCY: String = "limiter.acquire.latency"

        /** Gauge of waiting requests. */
        public const val QUEUE_DEPTH: String = "limiter.queue.depth"

        /** Gauge of tokens in watched keys' buckets. */
        public const val TOKENS: String = "limiter.tokens"
    }
}
