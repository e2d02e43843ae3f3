package dev.limiter.internal

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm

/**
 * Plain, obviously correct models of the algorithms, written independently of the
 * fixed-point implementations: rational token counts scaled by the period, whole request
 * logs, counts per window index. Waits are found by searching time, not by formula.
 */
internal abstract class ReferenceModel {
    abstract fun copy(): ReferenceModel
    abstract fun allows(now: Long, permits: Long): Boolean
    abstract fun take(now: Long, permits: Long)
    abstract fun remaining(now: Long): Long
    abstract fun atRest(now: Long): Boolean

    companion object {
        fun of(policy: LimitPolicy, now: Long): ReferenceModel = when (policy.algorithm) {
            Algorithm.TOKEN_BUCKET, Algorithm.GCRA -> TokenBucketModel(policy, now)
            Algorithm.LEAKY_BUCKET -> LeakyBucketModel(policy, now)
            Algorithm.FIXED_WINDOW -> FixedWindowModel(policy)
            Algorithm.SLIDING_WINDOW_LOG -> SlidingLogModel(policy)
            Algorithm.SLIDING_WINDOW_COUNTER -> SlidingCounterModel(policy)
        }
    }
}

/** Tokens times the period: refilling `elapsed` µs adds exactly `elapsed * amount`. */
private class TokenBucketModel(val policy: LimitPolicy, var last: Long, var scaled: Long = policy.capacity * policy.rate.periodMicros) :
    ReferenceModel() {
    val period = policy.rate.periodMicros
    val full = policy.capacity * period
    fun at(now: Long): Long = if (now <= last) scaled else minOf(full, scaled + (now - last) * policy.rate.amount)
    override fun copy() = TokenBucketModel(policy, last, scaled)
    override fun allows(now: Long, permits: Long) = at(now) >= permits * period
    override fun take(now: Long, permits: Long) {
        scaled = at(now) - permits * period
        last = maxOf(last, now)
    }
    override fun remaining(now: Long) = at(now) / period
    override fun atRest(now: Long) = at(now) == full
}

private class LeakyBucketModel(val policy: LimitPolicy, var last: Long, var level: Long = 0) : ReferenceModel() {
    val period = policy.rate.periodMicros
    val full = policy.capacity * period
    fun at(now: Long): Long = if (now <= last) level else maxOf(0, level - (now - last) * policy.rate.amount)
    override fun copy() = LeakyBucketModel(policy, last, level)
    override fun allows(now: Long, permits: Long) = at(now) + permits * period <= full
    override fun take(now: Long, permits: Long) {
        level = at(now) + permits * period
        last = maxOf(last, now)
    }
    override fun remaining(now: Long) = (full - at(now)) / period
    override fun atRest(now: Long) = at(now) == 0L
}

private class FixedWindowModel(val policy: LimitPolicy, val counts: MutableMap<Long, Long> = HashMap()) : ReferenceModel() {
    val window = policy.rate.periodMicros
    fun used(now: Long) = counts[Math.floorDiv(now, window)] ?: 0
    override fun copy() = FixedWindowModel(policy, HashMap(counts))
    override fun allows(now: Long, permits: Long) = used(now) + permits <= policy.capacity
    override fun take(now: Long, permits: Long) {
        counts.merge(Math.floorDiv(now, window), permits, Long::plus)
    }
    override fun remaining(now: Long) = policy.capacity - used(now)
    override fun atRest(now: Long) = used(now) == 0L
}

private class SlidingLogModel(val policy: LimitPolicy, val log: MutableList<Pair<Long, Long>> = ArrayList()) : ReferenceModel() {
    val window = policy.rate.periodMicros
    fun used(now: Long) = log.filter { (t, _) -> t > now - window }.sumOf { it.second }
    override fun copy() = SlidingLogModel(policy, ArrayList(log))
    override fun allows(now: Long, permits: Long) = used(now) + permits <= policy.capacity
    override fun take(now: Long, permits: Long) {
        log.add(now to permits)
    }
    override fun remaining(now: Long) = policy.capacity - used(now)
    override fun atRest(now: Long) = used(now) == 0L
}

/**
 * Counts per epoch-aligned window. The previous window's share is worked out from what it
 * means, not from the implementation's formula: the microseconds of the previous window that
 * the sliding window `(now − window, now]` still covers, as a fraction of the window, rounded
 * down to thousandths (as docs/algorithms.md states) by searching for the largest thousandth
 * that does not exceed it. Every comparison is exact, in integers; remaining is found by search.
 */
private class SlidingCounterModel(val policy: LimitPolicy, val counts: MutableMap<Long, Long> = HashMap()) : ReferenceModel() {
    val window = policy.rate.periodMicros
    val limit = policy.capacity

    /** Thousandths of the previous window still inside the sliding window ending at [now], rounded down. */
    fun previousShare(now: Long): Long {
        val currentStart = Math.floorDiv(now, window) * window
        val covered = currentStart - (now - window)
        // The largest k in 0..1000 with k / 1000 <= covered / window.
        return firstTrue(1_001) { k -> k * window > covered * 1_000 } - 1
    }

    /** The sliding count in thousandths of a permit: previous × share + current. */
    fun estimateThousandths(now: Long): Long {
        val index = Math.floorDiv(now, window)
        return (counts[index - 1] ?: 0) * previousShare(now) + (counts[index] ?: 0) * 1_000
    }

    override fun copy() = SlidingCounterModel(policy, HashMap(counts))
    override fun allows(now: Long, permits: Long) = estimateThousandths(now) + permits * 1_000 <= limit * 1_000
    override fun take(now: Long, permits: Long) {
        counts.merge(Math.floorDiv(now, window), permits, Long::plus)
    }

    /** The most permits one request could take now (none when over the limit). */
    override fun remaining(now: Long) = maxOf(0, firstTrue(limit + 1) { n -> !allows(now, n) } - 1)
    override fun atRest(now: Long) = estimateThousandths(now) == 0L
}

/** What the reference says a store must answer for `permits` at `now`. */
internal data class Expected(val allowed: Boolean, val remaining: Long, val retryAfter: Long, val resetAfter: Long)

/** Applies one request to [model] and returns the expected answer; waits found by binary search over time. */
internal fun ReferenceModel.decide(now: Long, permits: Long, bound: Long): Expected {
    val allowed = allows(now, permits)
    val retry = if (allowed) 0 else firstTrue(bound) { d -> allows(now + d, permits) }
    if (allowed) take(now, permits)
    val reset = firstTrue(bound) { d -> atRest(now + d) }
    return Expected(allowed, remaining(now), retry, reset)
}

/** Smallest d in [0, bound] where the monotone [test] holds. */
private fun firstTrue(bound: Long, test: (Long) -> Boolean): Long {
    check(test(bound)) { "no answer within $bound µs" }
    var lo = 0L
    var hi = bound
    while (lo < hi) {
        val mid = lo + (hi - lo) / 2
        if (test(mid)) hi = mid else lo = mid + 1
    }
    return lo
}
