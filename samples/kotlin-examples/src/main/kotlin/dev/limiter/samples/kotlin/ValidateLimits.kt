package dev.limiter.samples.kotlin

import dev.limiter.config.validateLimits

/** Returns "valid", or one line per problem in [yaml] with its line and column. */
// snippet:kotlin-validate-yaml
fun describeProblems(yaml: String): String {
    val report = validateLimits(yaml)
    if (report.isValid) return "valid"
    return report.errors.joinToString("\n") { "${it.path} (line ${it.line}, column ${it.column}): ${it.message}" }
}
// end-snippet
