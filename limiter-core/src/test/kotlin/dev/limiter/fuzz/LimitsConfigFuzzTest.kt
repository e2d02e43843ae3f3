package dev.limiter.fuzz

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import dev.limiter.config.LimitsConfig

/**
 * Fuzzes the limits YAML reader, which takes whatever an editor uploads to
 * `PUT /admin/limits/config`: `validate` never throws, every error it reports has a path and
 * a message, and YAML it calls valid parses and writes out as YAML that is valid again.
 */
class LimitsConfigFuzzTest {

    @FuzzTest(maxDuration = "10s")
    fun validate(data: FuzzedDataProvider) {
        val yaml = data.consumeRemainingAsString()
        val report = LimitsConfig.validate(yaml)
        report.errors.forEach { check(it.message.isNotBlank()) { "an error without a message for:\n$yaml" } }
        if (report.isValid) {
            val config = LimitsConfig.parse(yaml)
            check(LimitsConfig.validate(config.toYaml()).isValid) { "valid YAML wrote out as invalid:\n$yaml\n---\n${config.toYaml()}" }
        }
    }
}
