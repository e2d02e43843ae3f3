package dev.limiter.config

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File
import java.time.Duration

class LimitsConfigSpec : FunSpec({
    val portal = resource("portal.yaml")

    test("the portal example parses into its policies, assignments, endpoints and lists") {
        val config = LimitsConfig.parse(portal)

        config.policies.keys.toList() shouldContainExactly listOf("free", "pro", "reports")
        config.policies["free"] shouldBe LimitPolicy.tokenBucket(40, Rate.perSecond(10))
        config.policies["pro"] shouldBe LimitPolicy.tokenBucket(400, Rate.perSecond(100))
        config.policies["reports"] shouldBe LimitPolicy.leakyBucket(20, Rate.perSecond(5))
        config.policies.getValue("reports").name shouldBe "reports"
        config.defaultPolicy shouldBe "free"
        config.keys shouldBe mapOf("dev-42" to "pro")
        config.endpoints shouldBe mapOf("POST /reports" to EndpointLimit(10, "reports"))
        config.allowlist shouldContainExactly listOf("admin-key", "10.0.0.0/8")
        config.denylist shouldContainExactly listOf("abuser-1")
        config.global shouldBe null
    }

    test("every algorithm reads its own fields") {
        val config = LimitsConfig.parse(File("../docs/examples/every-algorithm.yaml").readText())

        config.policies["uploads"] shouldBe LimitPolicy.leakyBucket(20, Rate.perMinute(100))
        config.policies["hourly"] shouldBe LimitPolicy.fixedWindow(1000, Duration.ofHours(1))
        config.policies["exact"] shouldBe LimitPolicy.slidingWindowLog(100, Duration.ofMinutes(1))
        config.policies["smooth-window"] shouldBe LimitPolicy.slidingWindowCounter(5000, Duration.ofDays(1))
        config.policies["paced"] shouldBe LimitPolicy.gcra(Rate.perSecond(50), 10)
        config.global shouldBe LimitPolicy.tokenBucket(10_000, Rate.perSecond(5000))
        config.global?.name shouldBe "global"
        config.endpointLimit("GET /search") shouldBe EndpointLimit(2)
        config.endpointLimit("get  /search") shouldBe EndpointLimit(2)
        config.endpointLimit("DELETE /health") shouldBe EndpointLimit(1, "paced")
        config.endpointLimit("GET /unknown") shouldBe null
    }

    test("a config written back as YAML reads back equal") {
        listOf(portal, File("../docs/examples/every-algorithm.yaml").readText()).forEach { yaml ->
            val config = LimitsConfig.parse(yaml)
            LimitsConfig.parse(config.toYaml()) shouldBe config
        }
    }

    test("keys with quotes, colons and spaces survive the trip to YAML and back") {
        val config = LimitsConfig(
            mapOf("free" to LimitPolicy.tokenBucket(40, Rate.perSecond(10))), "free",
            keys = mapOf("key: \"odd\" # not a comment" to "free"), denylist = listOf("it's"),
        )
        LimitsConfig.parse(config.toYaml()) shouldBe config
    }

    test("a valid config validates with no errors") {
        validateLimits(portal) shouldBe ValidationReport(true, emptyList())
        validateLimits(portal).describe() shouldBe "valid"
    }

    test("every problem of a config is reported at once, in document order") {
        val report = validateLimits(
            """
            policies:
              free: { algorithm: token-bucket, capacity: 0, refill: 10/s }
              pro: { algorithm: token-bucket, capacity: 400, refill: lots }
            default-policy: gold
            keys: { dev-42: platinum }
            endpoints: { "POST /reports": { cost: 10, policy: reports } }
            allowlist: [ 10.0.0.0/40 ]
            """.trimIndent(),
        )

        report.errors.map { it.path to it.line } shouldContainExactly listOf(
            "policies.free.capacity" to 2,
            "policies.pro.refill" to 3,
            "default-policy" to 4,
            "keys.dev-42" to 5,
            """endpoints["POST /reports"].policy""" to 6,
            "allowlist[0]" to 7,
        )
    }

    test("an error describes itself with its path, message, line and column") {
        val error = validateLimits("policies:\n  free: { algorithm: token-bucket, capacity: 0, refill: 10/s }\ndefault-policy: free\n").errors.single()

        error.describe() shouldBe "policies.free.capacity: must be greater than 0, was 0 (line 2, column 46)"
        error.toString() shouldBe error.describe()
    }

    test("the exception from parse lists every error in its message") {
        val thrown = shouldThrow<LimitsConfigException> { LimitsConfig.parse("policies: {}\ndefault-policy: free\n") }

        thrown.errors.size shouldBe 2
        thrown.message shouldContain "invalid limits config (2 problems)"
        thrown.message shouldContain "policies: must define at least one policy"
    }

    test("a config built in code with an undefined policy is refused with the reason") {
        val thrown = shouldThrow<IllegalArgumentException> {
            LimitsConfig(mapOf("free" to LimitPolicy.tokenBucket(40, Rate.perSecond(10))), "gold")
        }
        thrown.message shouldContain "defaultPolicy: unknown policy 'gold'"
    }

    test("a config built in code with a cost above its policy's capacity is refused") {
        val thrown = shouldThrow<IllegalArgumentException> {
            LimitsConfig(
                mapOf("free" to LimitPolicy.tokenBucket(40, Rate.perSecond(10))), "free",
                endpoints = mapOf("post /export" to EndpointLimit(41)),
            )
        }
        thrown.message shouldContain "cost 41 is larger than the capacity 40 of policy 'free'"
    }
})

internal fun resource(name: String): String =
    requireNotNull(LimitsConfigSpec::class.java.getResource("/config/$name")) { "missing test resource config/$name" }.readText()

/** The errors shown in docs/configuration.md are the ones the validator gives for the config shown there. */
class DocumentedErrorsSpec : FunSpec({
    test("the validation example in the configuration guide is what the validator reports") {
        val guide = File("../docs/configuration.md").readText()
        val example = guide.substringAfter("This config has three:\n\n```yaml\n").substringBefore("```")

        val lines = validateLimits(example).errors.map { it.describe() }

        lines.size shouldBe 3
        lines.forEach { line -> guide shouldContain line }
    }
})
