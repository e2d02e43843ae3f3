package dev.limiter.adaptive.internal

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.PolicyMath
import dev.limiter.Rate
import org.slf4j.LoggerFactory
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicReferenceArray

/**
 * Returns [policy] with its capacity and rate scaled by [factor] (in `(0, 1]`), keeping its
 * name and algorithm so that its buckets keep their state; [policy] itself when [factor] is 1
 * or more.
 *
 * The factor is taken in steps of 1/1000 ([Factor.permille]) and every number is computed in
 * integers, rounding toward fewer permits so that a scaled policy never admits more than the
 * factor allows:
 * - the capacity (bucket size, window limit, GCRA burst) is `floor(capacity * factor)`, at
 *   least 1;
 * - a window algorithm keeps its window (windows are calendar-aligned) and its rate follows
 *   the scaled limit;
 * - a bucket or GCRA rate is scaled exactly, `amount * factor / period` as a reduced fraction
 *   (`10/s` at 0.25 is `1/400ms`), so rates below one permit per period scale too.
 *
 * When an exact form would exceed the 53 bits the algorithms stay exact in (huge capacities
 * over long periods), the amount is rounded down to fewer significant digits until it fits; a
 * policy that no scaled form fits, which needs numbers far outside practical use, stays
 * unscaled and a warning says so once.
 *
 * Called for every decision of a scaled policy, so results are cached by policy and factor.
 */
internal fun scalePolicy(policy: LimitPolicy, factor: Double): LimitPolicy {
    val permille = Factor.permille(factor)
    if (permille >= Factor.ONE) return policy
    // The engine passes the config's own policy objects: an identity hit costs no allocation.
    val slot = System.identityHashCode(policy) and (RECENT_SLOTS - 1)
    recent.get(slot)?.let { if (it.source === policy && it.permille == permille) return it.result }
    val key = ScaleKey(policy.name, policy, permille)
    val result = scaled[key] ?: run {
        if (scaled.size >= CACHE_LIMIT) scaled.clear()
        scaled.computeIfAbsent(key) { scale(policy, permille) }
    }
    recent.set(slot, Recent(policy, permille, result))
    return result
}

/** The factor as an integer number of thousandths: exact, so that every node computes the same numbers. */
internal object Factor {
    const val ONE: Int = 1000

    /** Returns [factor] in thousandths, rounded to the nearest, at least 1. */
    fun permille(factor: Double): Int {
        require(!factor.isNaN()) { "factor must be a number in (0, 1], was NaN" }
        return Math.round(factor.coerceIn(0.0, 1.0) * ONE).toInt().coerceAtLeast(1)
    }

    fun toDouble(permille: Int): Double = permille / ONE.toDouble()

    /** Formats thousandths as `0.750`. */
    fun format(permille: Int): String = "%d.%03d".format(permille / ONE, permille % ONE)
}

private data class ScaleKey(val name: String?, val policy: LimitPolicy, val permille: Int)

private class Recent(val source: LimitPolicy, val permille: Int, val result: LimitPolicy)

private const val CACHE_LIMIT = 1024
private const val RECENT_SLOTS = 16
private val recent = AtomicReferenceArray<Recent>(RECENT_SLOTS)
private val scaled = ConcurrentHashMap<ScaleKey, LimitPolicy>()
private val log = LoggerFactory.getLogger("dev.limiter.adaptive.PolicyScaling")

private fun scale(policy: LimitPolicy, permille: Int): LimitPolicy {
    val capacity = scaleDown(policy.capacity, permille)
    val windowed = policy.algorithm in WINDOWS
    val candidates: Sequence<() -> LimitPolicy> = if (windowed) {
        roundedDown(capacity).map { limit -> { LimitPolicy.of(policy.algorithm, limit, Rate.of(limit, policy.window)) } }
    } else {
        sequenceOf<() -> LimitPolicy>({ LimitPolicy.of(policy.algorithm, capacity, exactRate(policy.rate, permille)) }) +
            roundedDown(scaleDown(policy.rate.amount, permille)).map { amount ->
                { LimitPolicy.of(policy.algorithm, capacity, Rate.of(amount, policy.rate.period)) }
            }
    }
    for (candidate in candidates) {
        val result = try { candidate() } catch (e: IllegalArgumentException) { continue }
        return policy.name?.let { result.named(it) } ?: result
    }
    log.warn("policy {} cannot be scaled to factor {} within 53 bits of precision; it stays unscaled", policy, Factor.format(permille))
    return policy
}

/** `floor(value * permille / 1000)`, at least 1; exact, since values stay below 2^41 and permille below 2^10. */
private fun scaleDown(value: Long, permille: Int): Long = maxOf(1L, value * permille / Factor.ONE)

/** The rate `amount * permille / 1000` per period, as a reduced fraction; throws when it does not fit a [Rate]. */
private fun exactRate(rate: Rate, permille: Int): Rate {
    val amount = rate.amount * permille
    val periodMicros = rate.periodMicros * Factor.ONE
    val gcd = PolicyMath.gcd(amount, periodMicros)
    val reducedPeriod = periodMicros / gcd
    require(reducedPeriod <= Rate.MAX_PERIOD_MICROS) { "scaled period too long" }
    return Rate.of(amount / gcd, Duration.ofNanos(reducedPeriod * 1_000))
}

/** [value], then [value] rounded down to tens, hundreds, …, while still at least 1. */
private fun roundedDown(value: Long): Sequence<Long> =
    generateSequence(1L) { if (it <= value / 10) it * 10 else null }.map { step -> value / step * step }.distinct()

private val WINDOWS = setOf(Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_LOG, Algorithm.SLIDING_WINDOW_COUNTER)
