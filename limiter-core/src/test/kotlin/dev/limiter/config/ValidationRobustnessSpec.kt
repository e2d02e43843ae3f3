package dev.limiter.config

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.property.Arb
import io.kotest.property.PropTestConfig
import io.kotest.property.arbitrary.element
import io.kotest.property.arbitrary.int
import io.kotest.property.arbitrary.list
import io.kotest.property.arbitrary.pair
import io.kotest.property.checkAll

/** Mangled configs never make validation throw, and every error points inside the document. */
class ValidationRobustnessSpec : FunSpec({
    val portal = resource("portal.yaml") + "global: { algorithm: gcra, rate: 100/s, burst: 50 }\n"
    val edits = Arb.list(Arb.pair(Arb.int(0, portal.length - 1), Arb.element(EDITS)), 1..4)

    test("validation of a mangled config never throws and agrees with parse") {
        checkAll(PropTestConfig(seed = 20261123, iterations = 1_000), edits) { changes ->
            val yaml = changes.fold(portal) { text, (at, edit) -> edit(text, at.coerceAtMost(text.length)) }
            val report = validateLimits(yaml)
            val lines = yaml.lines().size
            withClue(yaml + "\n" + report.describe()) {
                report.errors.forEach { error ->
                    (error.line in 1..lines + 1 && error.column >= 1) shouldBe true
                }
                val parsed = runCatching { LimitsConfig.parse(yaml) }
                if (report.isValid) parsed.isSuccess shouldBe true
                else (parsed.exceptionOrNull() as LimitsConfigException).errors shouldBe report.errors
            }
        }
    }
})

private val EDITS: List<(String, Int) -> String> = listOf<(String, Int) -> String>(
    { text: String, at: Int -> text.removeRange(at, (at + 1).coerceAtMost(text.length)) },
    { text: String, at: Int -> text.removeRange(at, (at + 7).coerceAtMost(text.length)) },
) + listOf("{", "}", "[", "]", ":", ",", " ", "\n", "\t", "\"", "'", "#", "&a ", "*a", "0", "-", "/", "x", "free", "10.0.0.0/33").map { inserted ->
    { text: String, at: Int -> text.substring(0, at) + inserted + text.substring(at) }
}
