package dev.limiter.config

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper
import com.networknt.schema.JsonSchemaFactory
import com.networknt.schema.SpecVersion
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import java.io.File

/** Keeps docs/limits.schema.json true: every sample config passes it, and so does the validator. */
class LimitsSchemaSpec : FunSpec({
    val schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
        .getSchema(File("../docs/limits.schema.json").readText())
    val yaml = YAMLMapper()
    fun schemaErrors(text: String) = schema.validate(yaml.readTree(text)).map { it.message }

    val samples = (File("../docs/examples").listFiles().orEmpty().toList() + File("src/test/resources/config").listFiles().orEmpty().toList())
        .filter { it.name.endsWith(".yaml") }
        .sortedBy { it.path }

    test("there are sample configs in docs/examples and the test resources") {
        samples.size shouldBeGreaterThanOrEqual 3
    }

    test("every sample config passes the JSON Schema and the validator") {
        samples.forEach { file ->
            withClue(file.path) {
                schemaErrors(file.readText()).shouldBeEmpty()
                validateLimits(file.readText()).errors.shouldBeEmpty()
            }
        }
    }

    test("configs with a wrong shape fail the JSON Schema and the validator alike") {
        val portal = File("../docs/examples/portal.yaml").readText()
        listOf(
            portal.replace("capacity: 40,", "capacity: 0,"),
            portal.replace("refill: 10/s", "refil: 10/s"),
            portal.replace("algorithm: leaky-bucket", "algorithm: leaky"),
            portal.replace("drain: 5/s", "drain: fast"),
            portal.replace("default-policy: free", "default-policy: [free]"),
            portal.replace("denylist:", "blocklist:"),
            portal.replace("{ cost: 10, policy: reports }", "{ cost: ten, policy: reports }"),
            portal.replace("[ abuser-1 ]", "[ abuser-1, abuser-1 ]"),
            "policies: {}\ndefault-policy: free\n",
        ).forEach { broken ->
            withClue(broken) {
                schemaErrors(broken).shouldNotBeEmpty()
                validateLimits(broken).isValid shouldBe false
            }
        }
    }
})
