package dev.limiter.internal

import dev.limiter.LimitPolicy

/**
 * Token bucket: up to `capacity` tokens, refilled continuously at the policy's rate.
 *
 * Tokens are fixed point: one token is `unit = period / gcd(amount, period)` units and the
 * bucket gains `gain = amount / gcd(amount, period)` units per microsecond, so a refill is
 * exact at every microsecond. State: `tokens` (units) and `last` (epoch µs of the last
 * refill). When the clock reads earlier than `last` (skewed nodes), nothing is refilled and
 * waits count from `last`.
 */
internal class TokenBucket(policy: LimitPolicy, now: Long) : Bucket(policy) {
    private val unit = policy.unitsPerToken
    private val gain = policy.unitsPerMicro
    private val full = policy.capacity * unit
    private var tokenUnits = full
    private var last = now

    override fun evaluate(now: Long, permits: Long, commit: Boolean) {
        if (now > last) {
            val elapsed = now - last
            val room = full - tokenUnits
            // Full again when elapsed * gain >= room, tested without dividing (the product
            // may overflow only when it is certainly large enough).
            val product = elapsed * gain
            tokenUnits = if (elapsed >= room || Math.multiplyHigh(elapsed, gain) != 0L || product < 0 || product >= room) {
                full
            } else {
                tokenUnits + product
            }
            last = now
        }
        val lag = last - now
        val need = permits * unit
        allowed = tokenUnits >= need
        if (allowed && commit) tokenUnits -= need
        retryAfter = if (allowed) 0 else lag + microsFor(need - tokenUnits)
        resetAfter = lag + microsFor(full - tokenUnits)
        remaining = if (unit == 1L) tokenUnits else tokenUnits / unit
    }

    /** Microseconds to gain [units] (`>= 0`): a division only when a microsecond gains more than one unit. */
    private fun microsFor(units: Long): Long = if (gain == 1L) units else (units + gain - 1) / gain

    // Exact tokens are only read by inspect: computed there, not on every decision.
    override fun exactTokens(): Double = tokenUnits.toDouble() / unit

    override fun idleAt(): Long = last + microsFor(full - tokenUnits)

    override fun carriedTo(policy: LimitPolicy, now: Long): Bucket {
        evaluate(now, 0, commit = false)
        if (tokenUnits == full) return TokenBucket(policy, now) // at rest: just like a new bucket
        return TokenBucket(policy, last).also {
            it.tokenUnits = convertUnits(tokenUnits, unit, it.unit, policy.capacity)
        }
    }
}
