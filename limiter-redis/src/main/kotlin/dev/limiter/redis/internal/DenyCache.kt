package dev.limiter.redis.internal

import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import java.util.concurrent.ConcurrentHashMap

/**
 * Keys this node knows to be over their limit until an instant, so that their requests are
 * answered without a round trip to Redis: it shields Redis from a client that keeps
 * retrying while limited.
 *
 * An entry answers only requests for at least as many permits as the denied one, before its
 * `retryAfter` has passed: such a request cannot be granted earlier (other nodes can only
 * take more). Bounded to [maxSize] entries; when full, expired entries are dropped first and
 * new ones are not remembered until there is room. Times are on the caller's clock.
 */
internal class DenyCache(private val maxSize: Int) {
    private class Entry(val permits: Long, val untilMicros: Long, val resetAtMicros: Long, val remaining: Long, val limit: Long)

    // The name too: two named policies with equal numbers own different buckets.
    private data class CacheKey(val policy: LimitPolicy, val name: String?, val key: String)

    private val entries = ConcurrentHashMap<CacheKey, Entry>()

    /** Returns the cached denial of [permits] for [key] at [nowMicros], or `null` to ask Redis. */
    fun lookup(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? {
        // Requests the store would refuse as invalid are left for it to refuse.
        if (maxSize == 0 || permits > policy.capacity) return null
        val cacheKey = CacheKey(policy, policy.name, key)
        val entry = entries[cacheKey] ?: return null
        if (nowMicros >= entry.untilMicros) {
            entries.remove(cacheKey, entry)
            return null
        }
        if (permits < entry.permits) return null
        return Decision.fromMicros(
            false, entry.remaining, entry.limit, entry.untilMicros - nowMicros,
            maxOf(0, entry.resetAtMicros - nowMicros), key, DenyReason.LIMITED,
        )
    }

    /** Remembers [decision], a denial of [permits] made at [nowMicros]. */
    fun remember(policy: LimitPolicy, permits: Long, nowMicros: Long, decision: Decision, retryAfterMicros: Long, resetAfterMicros: Long) {
        if (maxSize == 0 || retryAfterMicros <= 0) return
        if (entries.size >= maxSize) {
            entries.entries.removeIf { nowMicros >= it.value.untilMicros }
            if (entries.size >= maxSize) return
        }
        entries[CacheKey(policy, policy.name, decision.key)] =
            Entry(permits, nowMicros + retryAfterMicros, nowMicros + resetAfterMicros, decision.remaining, decision.limit)
    }

    /** Forgets [key] under [policy]. */
    fun forget(key: String, policy: LimitPolicy) {
        entries.remove(CacheKey(policy, policy.name, key))
    }

    val size: Int get() = entries.size
}
