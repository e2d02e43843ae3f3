package dev.limiter.internal

import dev.limiter.LimitPolicy

/**
 * Generic cell rate algorithm: admits up to `burst` requests at once, then one per emission
 * interval. State is one instant, the theoretical arrival time (TAT).
 *
 * The emission interval is `unit` units of `1 / gain` µs (see [TokenBucket]), so the TAT is
 * kept as whole microseconds `tat` plus a remainder `frac` in `[0, gain)` units. With
 * `debt = max(0, TAT - now)` in units, `permits` are admitted when
 * `debt + permits * unit <= burst * unit`. GCRA decides exactly as a token bucket of capacity
 * `burst` at the same rate, in one stored instant instead of two numbers.
 */
internal class Gcra(policy: LimitPolicy, now: Long) : Bucket(policy) {
    private val unit = policy.unitsPerToken
    private val gain = policy.unitsPerMicro
    private val limit = policy.capacity * unit
    private var tat = now
    private var frac = 0L

    override fun evaluate(now: Long, permits: Long, commit: Boolean) {
        val debt = if (tat < now) 0 else (tat - now) * gain + frac
        val next = debt + permits * unit
        allowed = next <= limit
        val after = if (allowed && commit) next else debt
        if (allowed && commit) {
            tat = now + next / gain
            frac = next % gain
        }
        retryAfter = if (allowed) 0 else ceilDiv(next - limit, gain)
        resetAfter = ceilDiv(after, gain)
        remaining = (limit - after) / unit
        tokens = (limit - after).toDouble() / unit
    }

    override fun idleAt(): Long = if (frac > 0) tat + 1 else tat

    override fun carriedTo(policy: LimitPolicy, now: Long): Bucket {
        val debt = if (tat < now) 0 else (tat - now) * gain + frac
        if (debt == 0L) return Gcra(policy, now) // at rest: just like a new bucket
        return Gcra(policy, now).also {
            val free = convertUnits(maxOf(0, limit - debt), unit, it.unit, policy.capacity)
            val newDebt = it.limit - free
            it.tat = now + newDebt / it.gain
            it.frac = newDebt % it.gain
        }
    }
}
