@file:JvmName("LimitsValidation")

package dev.limiter.config

/**
 * The outcome of validating a limits config: every problem found, in document order.
 *
 * [isValid] is `true` exactly when [errors] is empty.
 */
public class ValidationReport(
    /** Whether the config has no problems; `true` exactly when [errors] is empty. */
    public val isValid: Boolean,
    /** Every problem found, in the order they appear in the document; empty when valid. */
    public val errors: List<ConfigError>,
) {
    init {
        require(isValid == errors.isEmpty()) {
            "isValid must be true exactly when errors is empty, was isValid=$isValid with ${errors.size} errors"
        }
    }

    /** Returns one line per error, or `valid` when there are none. */
    public fun describe(): String = if (isValid) "valid" else errors.joinToString("\n") { it.describe() }

    override fun equals(other: Any?): Boolean = other is ValidationReport && other.errors == errors

    override fun hashCode(): Int = errors.hashCode()

    override fun toString(): String = "ValidationReport(${describe()})"

    internal companion object {
        fun of(errors: List<ConfigError>): ValidationReport = ValidationReport(errors.isEmpty(), errors)
    }
}

/**
 * Validates a limits config written in YAML and returns every problem found; an empty
 * report when [yaml] is a valid config.
 *
 * Never throws for bad input: syntax errors, unknown or missing fields, wrong types,
 * unparseable rates, undefined policies and the rest all become [ConfigError]s with their
 * path, line and column. Java callers use [LimitsConfig.validate].
 */
public fun validateLimits(yaml: String): ValidationReport = LimitsConfig.validate(yaml)
