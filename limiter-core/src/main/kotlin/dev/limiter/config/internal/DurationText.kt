package dev.limiter.config.internal

import java.time.Duration

/** Durations written as a whole number and a unit: `500ms`, `30s`, `1m`, `1h`, `1d`. */
internal object DurationText {
    private val FORM = Regex("""^\s*(\d+)\s*([a-zA-Z]+)\s*$""")
    private const val FORMS = "write a whole number and a unit, such as 30s, 1m, 1h or 1d (units: ms, s, m, h, d)"

    /** Returns the duration [text] denotes, or throws [IllegalArgumentException] naming the fix. */
    fun parse(text: String): Duration {
        val match = FORM.matchEntire(text) ?: throw IllegalArgumentException("invalid duration '$text'; $FORMS")
        val amount = match.groupValues[1].toLongOrNull()
            ?: throw IllegalArgumentException("duration '$text' is too long; use at most 366d")
        val unit = unit(match.groupValues[2]) ?: throw IllegalArgumentException(
            "unknown unit '${match.groupValues[2]}' in duration '$text'; $FORMS",
        )
        require(amount > 0) { "duration must be greater than 0, was '$text'; $FORMS" }
        require(amount <= MAX.toNanos() / unit.toNanos()) { "duration '$text' is too long; use at most 366d" }
        return unit.multipliedBy(amount)
    }

    /** Returns the shortest text [parse] reads back as [duration], such as `30s` or `1h`. */
    fun format(duration: Duration): String = dev.limiter.Rate.formatMicros(duration.toNanos() / 1_000)

    private val MAX: Duration = Duration.ofDays(366)

    private fun unit(text: String): Duration? = dev.limiter.Rate.unitMicros(text)?.let { Duration.ofNanos(it * 1_000) }
}
