package dev.limiter.portal

import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.LimiterListener
import dev.limiter.LimiterMetrics
import dev.limiter.RateLimiter
import io.ktor.server.application.Application
import io.ktor.util.AttributeKey
import io.micrometer.core.instrument.MeterRegistry
import java.time.Duration

/** The one `policy` tag every inline policy's metrics carry. */
const val INLINE_METRIC_TAG: String = "inline"

/**
 * The limiters of `/v1/check`'s inline policies, at most [capacity] at once, least recently
 * used evicted first.
 *
 * Inline buckets are keyed by the policy's canonical id (`inline:token-bucket:100:100/1m` for
 * `100 per 60s` and `100 per 1m` alike), so callers asking for equal policies share one
 * limiter. An evicted limiter is only forgotten: its buckets stay in the store,
 * so a policy used again finds its keys as they were and no caller gains permits. Nobody is
 * ever refused for want of a slot, so one anonymous caller sending thousands of distinct
 * policies cannot lock others out (the old fixed set of 1,000 filled up until restart), and
 * every inline decision is counted under `policy="inline"`, so `/metrics` grows by a fixed
 * set of series, never one per policy.
 */
class InlinePolicies(
    private val store: BucketStore,
    private val clock: LimiterClock,
    registry: MeterRegistry?,
    private val capacity: Int,
) : AutoCloseable {
    private val listener: LimiterListener = registry?.let { InlineTagged(LimiterMetrics(it)) } ?: object : LimiterListener {}
    private val limiters = object : LinkedHashMap<String, RateLimiter>(16, 0.75f, true) {
        override fun removeEldestEntry(eldest: MutableMap.MutableEntry<String, RateLimiter>): Boolean =
            // Not closed: a caller may still hold it for a tryAcquire, which needs no queue, and
            // closing would fail that call; the limiter is garbage once nobody holds it.
            size > capacity
    }

    /** Returns the limiter of [policy] when it is an inline policy (named [INLINE_PREFIX]…); `null` for a configured one. */
    fun limiter(policy: LimitPolicy): RateLimiter? {
        val name = policy.name ?: return null
        if (!name.startsWith(INLINE_PREFIX)) return null
        synchronized(limiters) {
            return limiters.getOrPut(name) {
                RateLimiter.builder(policy).store(store).clock(clock).listener(listener).buildSuspending()
            }
        }
    }

    /** Returns how many inline limiters are held now; at most the capacity. */
    fun size(): Int = synchronized(limiters) { limiters.size }

    override fun close() {
        synchronized(limiters) {
            limiters.values.forEach { it.close() }
            limiters.clear()
        }
    }

    /** Reports every inline decision under the single policy tag [INLINE_METRIC_TAG]. */
    private class InlineTagged(private val metrics: LimiterListener) : LimiterListener {
        override fun onDecision(policy: LimitPolicy, decision: Decision, waited: Duration, queued: Boolean) =
            metrics.onDecision(policy.named(INLINE_METRIC_TAG), decision, waited, queued)

        override fun onQueueDepth(policy: LimitPolicy, depth: Int) = metrics.onQueueDepth(policy.named(INLINE_METRIC_TAG), depth)
    }
}

private val InlinePoliciesKey = AttributeKey<InlinePolicies>("dev.limiter.portal.InlinePolicies")

/** The portal's inline-policy limiters; installed by [installInlinePolicies]. */
val Application.inlinePolicies: InlinePolicies get() = attributes[InlinePoliciesKey]

/** Keeps the limiters of `/v1/check`'s inline policies over [store]; closed when the application stops. */
fun Application.installInlinePolicies(store: BucketStore, clock: LimiterClock, registry: MeterRegistry?, capacity: Int) {
    val inline = InlinePolicies(store, clock, registry, capacity)
    attributes.put(InlinePoliciesKey, inline)
    monitor.subscribe(io.ktor.server.application.ApplicationStopped) { inline.close() }
}
