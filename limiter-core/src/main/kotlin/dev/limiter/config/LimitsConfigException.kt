package dev.limiter.config

/**
 * Thrown by [LimitsConfig.parse] when a config has problems; carries every one of them.
 *
 * The message lists each error on its own line, as [ConfigError.describe] writes it.
 */
public class LimitsConfigException(
    /** Every problem found, in document order; never empty. */
    public val errors: List<ConfigError>,
) : IllegalArgumentException(
    "invalid limits config (${errors.size} ${if (errors.size == 1) "problem" else "problems"}):\n" +
        errors.joinToString("\n") { "  " + it.describe() },
) {
    init {
        require(errors.isNotEmpty()) { "a LimitsConfigException needs at least one error" }
    }
}
