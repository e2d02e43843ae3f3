package dev.limiter.config

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/**
 * Every broken config is reported with the exact path, line and column of each problem, and
 * with a message that names the fix; [LimitsConfig.parse] throws the same list.
 */
class BrokenConfigSpec : FunSpec({
    context("a broken config is reported at the offending node") {
        withTests(nameFn = { it.name }, BROKEN_CONFIGS) { case ->
            val report = validateLimits(case.yaml)
            withClue(report.describe()) {
                report.isValid shouldBe false
                report.errors shouldHaveSize case.expected.size
                report.errors.zip(case.expected).forEach { (error, expected) ->
                    error.path shouldBe expected.path
                    (error.line to error.column) shouldBe (expected.line to expected.column)
                    error.message shouldContain expected.fragment
                }
            }
        }
    }

    test("parse throws every error that validate reports") {
        BROKEN_CONFIGS.forEach { case ->
            val thrown = runCatching { LimitsConfig.parse(case.yaml) }.exceptionOrNull()
            withClue(case.name) {
                (thrown as LimitsConfigException).errors shouldBe validateLimits(case.yaml).errors
            }
        }
    }

    test("there are at least 25 broken configs in the table") {
        BROKEN_CONFIGS.size shouldBe BROKEN_CONFIGS.map { it.name }.toSet().size
        (BROKEN_CONFIGS.size >= 25) shouldBe true
    }
})

private class Expected(val path: String, val line: Int, val column: Int, val fragment: String)

private class BrokenConfig(val name: String, val yaml: String, vararg val expected: Expected)

// The line and column are those of the offending value or key, or (for a missing field) of the
// map that lacks it, counted in the YAML of each case.
private val BROKEN_CONFIGS = listOf(
        BrokenConfig(
            "a syntax error",
            "policies: { free: [ }\n",
            Expected("policies.free", 1, 21, "expected the node content, but found '}'"),
        ),
        BrokenConfig(
            "an unclosed flow map",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s\ndefault-policy: free\n",
            Expected("policies.free", 3, 15, "while parsing a flow mapping that starts at line 2, column 9"),
        ),
        BrokenConfig(
            "a tab used for indentation",
            "policies:\n\tfree: 1\n",
            Expected("policies", 2, 1, "Do not use \\t(TAB) for indentation"),
        ),
        BrokenConfig(
            "a duplicate policy name",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  free: { algorithm: token-bucket, capacity: 80, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free", 3, 3, "duplicate key 'free', first defined at line 2, column 3"),
        ),
        BrokenConfig(
            "a duplicate key assignment",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nkeys:\n  dev-42: pro\n  dev-42: free\n",
            Expected("keys.dev-42", 8, 3, "duplicate key 'dev-42', first defined at line 7, column 3"),
        ),
        BrokenConfig(
            "an empty document",
            "",
            Expected("", 1, 1, "the config is empty"),
        ),
        BrokenConfig(
            "a document that is a list",
            "- free\n- pro\n",
            Expected("", 1, 1, "must be a map with 'policies' and 'default-policy', was a list"),
        ),
        BrokenConfig(
            "an unknown top-level field",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nlimits: {}\n",
            Expected("limits", 6, 1, "unknown field 'limits'"),
        ),
        BrokenConfig(
            "a misspelt section",
            "policy:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies", 1, 1, "missing field 'policies'"), Expected("policy", 1, 1, "unknown field 'policy' (did you mean 'policies'?)"),
        ),
        BrokenConfig(
            "a missing default policy",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n",
            Expected("default-policy", 1, 1, "missing field 'default-policy'; add the policy for keys without an assignment, such as 'default-policy: free'"),
        ),
        BrokenConfig(
            "no policies at all",
            "policies: {}\ndefault-policy: free\n",
            Expected("policies", 1, 11, "must define at least one policy"), Expected("default-policy", 2, 17, "no policies are defined"),
        ),
        BrokenConfig(
            "an unknown algorithm",
            "policies:\n  free: { algorithm: token-bucke, capacity: 40, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.algorithm", 2, 22, "unknown algorithm 'token-bucke' (did you mean 'token-bucket'?)"),
        ),
        BrokenConfig(
            "a missing algorithm",
            "policies:\n  free: { capacity: 40, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.algorithm", 2, 9, "missing field 'algorithm'"),
        ),
        BrokenConfig(
            "a missing refill",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40 }\ndefault-policy: free\n",
            Expected("policies.free.refill", 2, 9, "missing field 'refill' for a token-bucket policy"),
        ),
        BrokenConfig(
            "a misspelt field",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refil: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.refill", 2, 9, "missing field 'refill'"), Expected("policies.free.refil", 2, 50, "unknown field 'refil' for a token-bucket policy (did you mean 'refill'?)"),
        ),
        BrokenConfig(
            "a capacity of zero",
            "policies:\n  free: { algorithm: token-bucket, capacity: 0, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.capacity", 2, 46, "must be greater than 0, was 0"),
        ),
        BrokenConfig(
            "a negative capacity",
            "policies:\n  free: { algorithm: token-bucket, capacity: -5, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.capacity", 2, 46, "must be greater than 0, was -5"),
        ),
        BrokenConfig(
            "a capacity in words",
            "policies:\n  free: { algorithm: token-bucket, capacity: forty, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.capacity", 2, 46, "must be a whole number such as 40, was 'forty'"),
        ),
        BrokenConfig(
            "a fractional capacity",
            "policies:\n  free: { algorithm: token-bucket, capacity: 4.5, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.capacity", 2, 46, "must be a whole number, was '4.5'"),
        ),
        BrokenConfig(
            "a capacity that is a list",
            "policies:\n  free: { algorithm: token-bucket, capacity: [40], refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free.capacity", 2, 46, "must be a whole number greater than 0, such as 40, was a list"),
        ),
        BrokenConfig(
            "an empty capacity",
            "policies:\n  free:\n    algorithm: token-bucket\n    capacity:\n    refill: 10/s\ndefault-policy: free\n",
            Expected("policies.free.capacity", 4, 14, "was empty"),
        ),
        BrokenConfig(
            "an unparseable rate",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: fast }\ndefault-policy: free\n",
            Expected("policies.free.refill", 2, 58, "invalid rate 'fast'; expected forms like '10/s'"),
        ),
        BrokenConfig(
            "a rate with an unknown unit",
            "policies:\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/fortnight }\ndefault-policy: reports\n",
            Expected("policies.reports.drain", 2, 60, "unknown unit 'fortnight'"),
        ),
        BrokenConfig(
            "an unparseable window",
            "policies:\n  hourly: { algorithm: fixed-window, limit: 100, window: 5x }\ndefault-policy: hourly\n",
            Expected("policies.hourly.window", 2, 58, "unknown unit 'x' in duration '5x'"),
        ),
        BrokenConfig(
            "a zero window",
            "policies:\n  hourly: { algorithm: sliding-window-counter, limit: 100, window: 0s }\ndefault-policy: hourly\n",
            Expected("policies.hourly.window", 2, 68, "duration must be greater than 0, was '0s'"),
        ),
        BrokenConfig(
            "a missing gcra burst",
            "policies:\n  smooth: { algorithm: gcra, rate: 10/s }\ndefault-policy: smooth\n",
            Expected("policies.smooth.burst", 2, 11, "missing field 'burst' for a gcra policy"),
        ),
        BrokenConfig(
            "a sliding log too large to store",
            "policies:\n  exact: { algorithm: sliding-window-log, limit: 200000, window: 1h }\ndefault-policy: exact\n",
            Expected("policies.exact", 2, 10, "limit must be at most 100000 for a sliding window log"),
        ),
        BrokenConfig(
            "a policy name with a space",
            "policies:\n  free plan: { algorithm: token-bucket, capacity: 40, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies[\"free plan\"]", 2, 3, "invalid policy name 'free plan'"), Expected("default-policy", 3, 17, "unknown policy 'free'"),
        ),
        BrokenConfig(
            "an undefined default policy",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: gold\n",
            Expected("default-policy", 5, 17, "unknown policy 'gold'; defined policies are free, pro, reports"),
        ),
        BrokenConfig(
            "a key assigned to an undefined policy",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nkeys: { dev-42: prro }\n",
            Expected("keys.dev-42", 6, 17, "unknown policy 'prro' (did you mean 'pro'?)"),
        ),
        BrokenConfig(
            "keys written as a list",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nkeys: [ dev-42, dev-43 ]\n",
            Expected("keys", 6, 7, "must be a map from API key to policy name"),
        ),
        BrokenConfig(
            "an endpoint cost above its policy's capacity",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  \"POST /reports\": { cost: 50, policy: reports }\n",
            Expected("endpoints[\"POST /reports\"].cost", 7, 28, "cost 50 is larger than the capacity 20 of policy 'reports' (the endpoint's policy)"),
        ),
        BrokenConfig(
            "an endpoint cost above the default policy's capacity",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  \"POST /export\": { cost: 50 }\n",
            Expected("endpoints[\"POST /export\"].cost", 7, 27, "capacity 40 of policy 'free' (the default policy)"),
        ),
        BrokenConfig(
            "an endpoint cost above an assigned policy's capacity",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nkeys: { batch: reports }\nendpoints:\n  \"POST /export\": { cost: 30 }\n",
            Expected("endpoints[\"POST /export\"].cost", 8, 27, "capacity 20 of policy 'reports' (assigned to key 'batch')"),
        ),
        BrokenConfig(
            "an endpoint cost above the global ceiling",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nglobal: { algorithm: fixed-window, limit: 5, window: 1s }\nendpoints:\n  \"POST /reports\": { cost: 10, policy: reports }\n",
            Expected("endpoints[\"POST /reports\"].cost", 8, 28, "capacity 5 of policy 'global' (the global ceiling)"),
        ),
        BrokenConfig(
            "an endpoint cost of zero",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  \"GET /search\": { cost: 0 }\n",
            Expected("endpoints[\"GET /search\"].cost", 7, 26, "must be greater than 0, was 0"),
        ),
        BrokenConfig(
            "an endpoint with an undefined policy",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  \"POST /reports\": { cost: 10, policy: report }\n",
            Expected("endpoints[\"POST /reports\"].policy", 7, 40, "unknown policy 'report' (did you mean 'reports'?)"),
        ),
        BrokenConfig(
            "an unknown HTTP method",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  \"FETCH /reports\": { cost: 2 }\n",
            Expected("endpoints[\"FETCH /reports\"]", 7, 3, "unknown HTTP method 'FETCH'"),
        ),
        BrokenConfig(
            "an endpoint path without a slash",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  reports: { cost: 2 }\n",
            Expected("endpoints.reports", 7, 3, "endpoint path 'reports' must start with '/'"),
        ),
        BrokenConfig(
            "an unknown endpoint field",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  \"GET /search\": { costs: 2 }\n",
            Expected("endpoints[\"GET /search\"].costs", 7, 20, "unknown field 'costs' (did you mean 'cost'?)"),
        ),
        BrokenConfig(
            "the same endpoint twice in different case",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nendpoints:\n  \"POST /reports\": { cost: 2 }\n  \"post /reports\": { cost: 3 }\n",
            Expected("endpoints[\"post /reports\"]", 8, 3, "is the same as 'POST /reports' at line 7, column 3"),
        ),
        BrokenConfig(
            "a CIDR prefix out of range",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nallowlist: [ admin-key, 10.0.0.0/33 ]\n",
            Expected("allowlist[1]", 6, 25, "the prefix after '/' must be a whole number from 0 to 32"),
        ),
        BrokenConfig(
            "an IPv4 address out of range",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nallowlist: [ 10.0.0.300 ]\n",
            Expected("allowlist[0]", 6, 14, "invalid IP address '10.0.0.300'"),
        ),
        BrokenConfig(
            "a CIDR range with host bits",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\ndenylist: [ 192.168.1.7/24 ]\n",
            Expected("denylist[0]", 6, 13, "write the network address, such as 192.168.1.0/24"),
        ),
        BrokenConfig(
            "an IPv6 range with a bad prefix",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\ndenylist: [ \"2001:db8::/129\" ]\n",
            Expected("denylist[0]", 6, 13, "from 0 to 128"),
        ),
        BrokenConfig(
            "a duplicate denylist entry",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\ndenylist:\n  - abuser-1\n  - abuser-1\n",
            Expected("denylist[1]", 8, 5, "duplicate entry 'abuser-1', first listed at line 7, column 5"),
        ),
        BrokenConfig(
            "a key on both lists",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nallowlist: [ admin-key ]\ndenylist: [ admin-key ]\n",
            Expected("denylist[0]", 7, 13, "'admin-key' is also on the allowlist at line 6, column 14"),
        ),
        BrokenConfig(
            "an allowlist written as one string",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nallowlist: admin-key\n",
            Expected("allowlist", 6, 12, "must be a list of API keys, IP addresses and CIDR ranges"),
        ),
        BrokenConfig(
            "a duplicate key followed by other problems",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  free: { algorithm: token-bucket, capacity: 80, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 0, refill: 10/s }\ndefault-policy: gold\n",
            Expected("policies.free", 3, 3, "duplicate key 'free', first defined at line 2, column 3"), Expected("policies.pro.capacity", 4, 45, "must be greater than 0, was 0"), Expected("default-policy", 5, 17, "unknown policy 'gold'"),
        ),
        BrokenConfig(
            "a duplicate field with a problem after it on the same line",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, capacity: 50, refill: fast }\ndefault-policy: free\n",
            Expected("policies.free.capacity", 2, 50, "duplicate key 'capacity', first defined at line 2, column 36"), Expected("policies.free.refill", 2, 72, "invalid rate 'fast'"),
        ),
        BrokenConfig(
            "two duplicates of one key on one line",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\ndefault-policy: free\nkeys: { a: free, a: free, \"a\": free, b: gold }\n",
            Expected("keys.a", 4, 18, "duplicate key 'a', first defined at line 4, column 9"), Expected("keys.a", 4, 27, "duplicate key 'a', first defined at line 4, column 9"), Expected("keys.b", 4, 41, "unknown policy 'gold'"),
        ),
        BrokenConfig(
            "a duplicate key and a syntax error after it",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  free: { algorithm: token-bucket, capacity: 80, refill: 10/s }\ndefault-policy: [ free }\n",
            Expected("policies.free", 3, 3, "duplicate key 'free'"), Expected("default-policy", 4, 24, "invalid YAML: expected ',' or ']', but got }"),
        ),
        BrokenConfig(
            "an anchor",
            "policies:\n  free: &base { algorithm: token-bucket, capacity: 40, refill: 10/s }\ndefault-policy: free\n",
            Expected("policies.free", 2, 9, "anchors and aliases are not supported"),
        ),
        BrokenConfig(
            "a global ceiling with a bad capacity",
            "policies:\n  free: { algorithm: token-bucket, capacity: 40, refill: 10/s }\n  pro: { algorithm: token-bucket, capacity: 400, refill: 100/s }\n  reports: { algorithm: leaky-bucket, capacity: 20, drain: 5/s }\ndefault-policy: free\nglobal: { algorithm: token-bucket, capacity: 0, refill: 100/s }\n",
            Expected("global.capacity", 6, 46, "must be greater than 0, was 0"),
        ),
)
