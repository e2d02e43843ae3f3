package dev.limiter.internal

import dev.limiter.BucketRequest
import dev.limiter.BucketSnapshot
import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.adaptive.AdaptiveConfig
import dev.limiter.adaptive.AdaptiveLimits
import dev.limiter.adaptive.internal.scalePolicy
import java.util.concurrent.ConcurrentHashMap

/**
 * Which adaptive limits an engine applies, and to which policies: the ones given to
 * `RateLimits.adapt`, which win, else the ones its config's `adaptive:` section describes.
 *
 * A new config whose section keeps the same signals and settings keeps the same
 * [AdaptiveLimits] (only the scaled policies may change), so a hot reload does not reset the
 * factor to 1; a section that changes them starts a new one, at 1.
 */
internal class EngineAdaptation(private val clock: LimiterClock) {
    private class Source(val limits: AdaptiveLimits, val policies: Set<String>, val section: AdaptiveConfig?)

    private class Scaled(val base: LimitPolicy, val factor: Double, val policy: LimitPolicy)

    @Volatile
    private var explicit: Source? = null

    @Volatile
    private var configured: Source? = null
    private val scaled = ConcurrentHashMap<String, Scaled>()

    /** The adaptive limits in force, or `null`. */
    val limits: AdaptiveLimits? get() = (explicit ?: configured)?.limits

    /** The names of the policies they scale; empty without adaptive limits. */
    val policies: Set<String> get() = (explicit ?: configured)?.policies ?: emptySet()

    /** Puts [limits] on [policies] in force, in place of any config section, from now on. */
    fun adapt(limits: AdaptiveLimits, policies: Set<String>) {
        explicit = Source(limits, policies.toSet(), null)
    }

    /** Follows a config's [section]: keeps the running limits when its signals and settings are unchanged. */
    @Synchronized
    fun configure(section: AdaptiveConfig?) {
        val current = configured
        configured = when {
            section == null -> null
            current?.section != null && sameLoop(current.section, section) -> Source(current.limits, section.policies, section)
            else -> Source(section.createLimits(clock), section.policies, section)
        }
    }

    /** Returns [policy] scaled by the factor in force when it is one of the adaptive policies, else [policy]. */
    fun scale(policy: LimitPolicy): LimitPolicy {
        val source = explicit ?: configured ?: return policy
        val name = policy.name ?: return policy
        if (name !in source.policies) return policy
        val factor = source.limits.factor
        if (factor >= 1.0) return policy
        // Scaling builds and validates a policy: do it once per factor, not per request.
        scaled[name]?.let { if (it.base === policy && it.factor == factor) return it.policy }
        return scalePolicy(policy, factor).also { scaled[name] = Scaled(policy, factor, it) }
    }

    /** The same loop: the same signals read the same way, moving the factor by the same settings. */
    private fun sameLoop(a: AdaptiveConfig, b: AdaptiveConfig): Boolean = a.signals == b.signals && a.settings == b.settings &&
        a.latencyTarget == b.latencyTarget && a.errorThreshold == b.errorThreshold
}

/**
 * The store as the engine's per-policy limiters see it: every policy scaled as [scale] says at
 * the moment of each call. A policy's limiter (and its wait queue) thus stays the same object
 * while the factor moves, so queued callers keep waiting, under the numbers in force when
 * their turn comes; the buckets carry the state (a named policy's buckets survive its numbers
 * changing). Closing it leaves [store] open, since the engine does not own it.
 */
internal class ScalingStore(private val store: BucketStore, private val scale: (LimitPolicy) -> LimitPolicy) : BucketStore {
    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision =
        store.tryConsume(key, scale(policy), permits, nowMicros)

    override suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> =
        store.tryConsumeAll(requests.map(::scaled), nowMicros)

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot =
        store.inspect(key, scale(policy), permits, nowMicros)

    override suspend fun reset(key: String, policy: LimitPolicy) = store.reset(key, scale(policy))

    override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? =
        store.tryConsumeNow(key, scale(policy), permits, nowMicros)

    override fun tryConsumeAllNow(requests: List<BucketRequest>, nowMicros: Long): List<Decision>? =
        store.tryConsumeAllNow(requests.map(::scaled), nowMicros)

    override fun close() {}

    override fun toString(): String = store.toString()

    private fun scaled(r: BucketRequest): BucketRequest = scale(r.policy).let { if (it === r.policy) r else BucketRequest(r.key, it, r.permits) }
}
