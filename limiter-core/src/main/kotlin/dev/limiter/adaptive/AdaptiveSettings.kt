package dev.limiter.adaptive

import dev.limiter.adaptive.internal.Factor
import java.time.Duration

/**
 * Settings of [AdaptiveLimits]: above [high] the factor is multiplied by [decrease] each
 * [interval], below [low] it grows by [increase], clamped to `[minFactor, 1]`; between the
 * two watermarks it stays where it is.
 *
 * Factors move in steps of 0.001: [minFactor], [decrease] and [increase] are rounded to the
 * nearest thousandth, and each decrease rounds down, so that the factor's path is exact and
 * the same on every node.
 *
 * @throws IllegalArgumentException naming the setting, its value and the fix, when
 * `0 <= low < high`, `0 < minFactor <= 1`, `0 < decrease < 1`, `0 < increase <= 1` or a
 * positive [interval] of at least a millisecond does not hold.
 */
public class AdaptiveSettings @JvmOverloads constructor(
    /** The load above which the factor decreases; greater than [low]. */
    public val high: Double = 0.8,
    /** The load below which the factor recovers; at least 0 and below [high]. */
    public val low: Double = 0.6,
    /** The lowest factor, in `(0, 1]`: limits never shrink below this share. */
    public val minFactor: Double = 0.25,
    /** What the factor is multiplied by each interval above [high], in `(0, 1)`. */
    public val decrease: Double = 0.75,
    /** What is added to the factor each interval below [low], in `(0, 1]`. */
    public val increase: Double = 0.05,
    /** How often the load is read and the factor moved; at least a millisecond. */
    public val interval: Duration = Duration.ofSeconds(1),
) {
    init {
        val problems = problems(high, low, minFactor, decrease, increase, interval)
        require(problems.isEmpty()) { "invalid adaptive settings: " + problems.joinToString("; ") { "${it.first} ${it.second}" } }
    }

    internal val minPermille: Int = Factor.permille(minFactor)
    internal val decreasePermille: Int = Factor.permille(decrease)
    internal val increasePermille: Int = Factor.permille(increase)

    override fun equals(other: Any?): Boolean = other is AdaptiveSettings && other.high == high && other.low == low &&
        other.minFactor == minFactor && other.decrease == decrease && other.increase == increase && other.interval == interval

    override fun hashCode(): Int = listOf(high, low, minFactor, decrease, increase, interval).hashCode()

    override fun toString(): String =
        "AdaptiveSettings(high=$high, low=$low, minFactor=$minFactor, decrease=$decrease, increase=$increase, interval=$interval)"

    internal companion object {
        /**
         * Every problem with these values, as (field, message) pairs; shared with the YAML
         * reader, which adds line and column. Field names are the Kotlin ones.
         */
        fun problems(
            high: Double, low: Double, minFactor: Double, decrease: Double, increase: Double, interval: Duration,
        ): List<Pair<String, String>> = buildList {
            if (!(high > 0.0) || high.isInfinite()) add("high" to "must be a load greater than 0, such as 0.8, was $high")
            if (!(low >= 0.0) || low.isInfinite()) add("low" to "must be a load of at least 0, such as 0.6, was $low")
            else if (high > 0.0 && low >= high) add("low" to "must be below high ($high), was $low; the gap between them keeps the factor from oscillating")
            if (!(minFactor > 0.0 && minFactor <= 1.0)) add("minFactor" to "must be in (0, 1], such as 0.25, was $minFactor")
            else if (minFactor < 0.001) add("minFactor" to "must be at least 0.001 (factors move in thousandths), was $minFactor")
            if (!(decrease > 0.0 && decrease < 1.0)) add("decrease" to "must be in (0, 1), such as 0.75, was $decrease")
            else if (decrease < 0.001 || decrease > 0.999) add("decrease" to "must be between 0.001 and 0.999 (factors move in thousandths), was $decrease")
            if (!(increase > 0.0 && increase <= 1.0)) add("increase" to "must be in (0, 1], such as 0.05, was $increase")
            else if (increase < 0.001) add("increase" to "must be at least 0.001 (factors move in thousandths), was $increase")
            if (interval < Duration.ofMillis(1)) add("interval" to "must be at least 1ms, such as 1s, was $interval")
        }
    }
}
