package dev.limiter

import java.time.Duration

/**
 * An amount of permits per period, such as `10/s` or `1000/1h`.
 *
 * Rates are exact: [amount] is a whole number of permits and [period] a whole number of
 * microseconds, so every algorithm built on a rate works in integer arithmetic.
 */
public class Rate private constructor(
    /** Permits per [period]; always at least 1. */
    public val amount: Long,
    /** Length of the period in microseconds; always at least 1. Kotlin-only: Java reads [period]. */
    @get:JvmSynthetic
    public val periodMicros: Long,
) {
    /** The period as a [Duration]. */
    public val period: Duration get() = Duration.ofNanos(periodMicros * 1_000)

    override fun equals(other: Any?): Boolean =
        other is Rate && other.amount == amount && other.periodMicros == periodMicros

    override fun hashCode(): Int = 31 * amount.hashCode() + periodMicros.hashCode()

    /** Returns the canonical text form, such as `10/1s` or `1000/1h`, which [parse] reads back. */
    override fun toString(): String = "$amount/${formatMicros(periodMicros)}"

    public companion object {
        /** Longest period accepted: 366 days. */
        internal const val MAX_PERIOD_MICROS: Long = 366L * 86_400_000_000L

        /** Largest amount accepted; keeps every derived quantity exact in 53 bits (Lua numbers). */
        internal const val MAX_AMOUNT: Long = 1L shl 40

        private val SHORT = Regex("""^\s*(\d+)\s*/\s*(\d+)?\s*([a-zA-Z]+)\s*$""")
        private val LONG = Regex("""^\s*(\d+)\s+per\s+(\d+\s+)?([a-zA-Z]+)\s*$""", RegexOption.IGNORE_CASE)

        /**
         * Returns [amount] permits per [period].
         *
         * @throws IllegalArgumentException when [amount] is not positive, or [period] is shorter
         * than a microsecond or longer than 366 days.
         */
        @JvmStatic
        public fun of(amount: Long, period: Duration): Rate {
            require(amount in 1..MAX_AMOUNT) {
                "rate amount must be between 1 and $MAX_AMOUNT, was $amount"
            }
            require(!period.isNegative && !period.isZero) {
                "rate period must be positive, was $period; use a period such as Duration.ofSeconds(1)"
            }
            require(period <= Duration.ofNanos(MAX_PERIOD_MICROS * 1_000)) {
                "rate period must be at most 366 days, was $period"
            }
            val micros = period.toNanos() / 1_000
            require(micros * 1_000 == period.toNanos()) {
                "rate period must be a whole number of microseconds, was $period"
            }
            return Rate(amount, micros)
        }

        /** Returns [amount] permits per second. */
        @JvmStatic
        public fun perSecond(amount: Long): Rate = of(amount, Duration.ofSeconds(1))

        /** Returns [amount] permits per minute. */
        @JvmStatic
        public fun perMinute(amount: Long): Rate = of(amount, Duration.ofMinutes(1))

        /** Returns [amount] permits per hour. */
        @JvmStatic
        public fun perHour(amount: Long): Rate = of(amount, Duration.ofHours(1))

        /** Returns [amount] permits per day. */
        @JvmStatic
        public fun perDay(amount: Long): Rate = of(amount, Duration.ofDays(1))

        /**
         * Parses a rate such as `10/s`, `1000/1h`, `5/30s`, `100 per minute` or `2000 per day`.
         *
         * Units: `ms`, `s`/`sec`/`second(s)`, `m`/`min`/`minute(s)`, `h`/`hour(s)`, `d`/`day(s)`.
         *
         * @throws IllegalArgumentException quoting [text] and listing the accepted forms.
         */
        @JvmStatic
        public fun parse(text: String): Rate {
            val match = SHORT.matchEntire(text) ?: LONG.matchEntire(text) ?: throw invalid(text, null)
            val amount = match.groupValues[1].toLongOrNull() ?: throw invalid(text, "the amount is too large")
            val count = match.groupValues[2].trim().ifEmpty { "1" }.toLongOrNull()
                ?: throw invalid(text, "the period count is too large")
            val unitMicros = unitMicros(match.groupValues[3]) ?: throw invalid(text, "unknown unit '${match.groupValues[3]}'")
            if (amount < 1) throw invalid(text, "the amount must be at least 1")
            if (count < 1) throw invalid(text, "the period must be at least 1 ${match.groupValues[3]}")
            if (amount > MAX_AMOUNT) throw invalid(text, "the amount must be at most $MAX_AMOUNT")
            if (count > MAX_PERIOD_MICROS / unitMicros) throw invalid(text, "the period must be at most 366 days")
            return Rate(amount, count * unitMicros)
        }

        private fun invalid(text: String, detail: String?): IllegalArgumentException {
            val why = if (detail == null) "" else " ($detail)"
            return IllegalArgumentException(
                "invalid rate '$text'$why; expected forms like '10/s', '1000/1h', '5/30s', " +
                    "'100 per minute' or '2000 per day' (units: us, ms, s, m, h, d)"
            )
        }

        /** Microseconds in one [unit] (`ms`, `s`, `minute`, …); the one unit table of rates and durations. */
        internal fun unitMicros(unit: String): Long? = when (unit.lowercase()) {
            "us", "micro", "micros", "microsecond", "microseconds" -> 1L
            "ms", "milli", "millis", "millisecond", "milliseconds" -> 1_000L
            "s", "sec", "secs", "second", "seconds" -> 1_000_000L
            "m", "min", "mins", "minute", "minutes" -> 60_000_000L
            "h", "hr", "hrs", "hour", "hours" -> 3_600_000_000L
            "d", "day", "days" -> 86_400_000_000L
            else -> null
        }

        internal fun formatMicros(micros: Long): String = when {
            micros % 86_400_000_000L == 0L -> "${micros / 86_400_000_000L}d"
            micros % 3_600_000_000L == 0L -> "${micros / 3_600_000_000L}h"
            micros % 60_000_000L == 0L -> "${micros / 60_000_000L}m"
            micros % 1_000_000L == 0L -> "${micros / 1_000_000L}s"
            micros % 1_000L == 0L -> "${micros / 1_000L}ms"
            else -> "${micros}us"
        }
    }
}
