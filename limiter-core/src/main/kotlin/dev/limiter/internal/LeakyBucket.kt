package dev.limiter.internal

import dev.limiter.LimitPolicy

/**
 * Leaky bucket as a meter: each request pours its permits in, the bucket drains
 * continuously at the policy's rate, and a request that would overflow `capacity` is refused.
 *
 * Fixed point as in [TokenBucket]: `level` in units of `1 / unit` permit, draining `gain`
 * units per microsecond. State: `level` (units) and `last` (epoch µs of the last drain).
 */
internal class LeakyBucket(policy: LimitPolicy, now: Long) : Bucket(policy) {
    private val unit = policy.unitsPerToken
    private val gain = policy.unitsPerMicro
    private val full = policy.capacity * unit
    private var level = 0L
    private var last = now

    override fun evaluate(now: Long, permits: Long, commit: Boolean) {
        if (now > last) {
            val elapsed = now - last
            level = if (elapsed >= ceilDiv(level, gain)) 0 else level - elapsed * gain
            last = now
        }
        val lag = last - now
        val need = permits * unit
        allowed = level + need <= full
        if (allowed && commit) level += need
        retryAfter = if (allowed) 0 else lag + ceilDiv(level + need - full, gain)
        resetAfter = lag + ceilDiv(level, gain)
        remaining = (full - level) / unit
        tokens = (full - level).toDouble() / unit
    }

    override fun idleAt(): Long = last + ceilDiv(level, gain)

    override fun carriedTo(policy: LimitPolicy, now: Long): Bucket {
        evaluate(now, 0, commit = false)
        if (level == 0L) return LeakyBucket(policy, now) // at rest: just like a new bucket
        // What is free now stays free, up to the new capacity; the rest of the bucket stays poured.
        return LeakyBucket(policy, last).also {
            it.level = it.full - convertUnits(maxOf(0, full - level), unit, it.unit, policy.capacity)
        }
    }
}
