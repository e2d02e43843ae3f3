package dev.limiter.internal

import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.KeyUsage
import dev.limiter.LimiterClock

/**
 * Usage counts of a [dev.limiter.RateLimits]: every decision is recorded here; read per key
 * and as the busiest keys. Skeleton: counts nothing yet (the shared-usage issue fills it in).
 */
internal open class EngineUsage {
    open fun record(key: String, decision: Decision, permits: Long) {}

    open suspend fun usage(key: String): KeyUsage = KeyUsage(key, 0, 0, 0)

    open suspend fun topKeys(limit: Int): List<KeyUsage> = emptyList()

    companion object {
        fun forStore(store: BucketStore, clock: LimiterClock): EngineUsage = EngineUsage()
    }
}
