package dev.limiter

import dev.limiter.config.LimitsConfig
import dev.limiter.testing.MockClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope

class RateLimitsLevelsSpec : FunSpec({
    val yaml = """
        policies:
          free:       { algorithm: token-bucket, capacity: 10, refill: 1/h }
          per-ip:     { algorithm: token-bucket, capacity: 3,  refill: 1/h }
          search-all: { algorithm: fixed-window, limit: 5, window: 1h }
          reports:    { algorithm: token-bucket, capacity: 2,  refill: 1/h }
          trial:      { algorithm: token-bucket, capacity: 1,  refill: 1/h, mode: shadow }
        default-policy: free
        levels:
          - { per: ip, policy: per-ip }
          - { per: endpoint, endpoint: "GET /search", policy: search-all }
          - { per: key+endpoint, endpoint: "POST /reports", policy: reports }
          - { per: key+ip, policy: trial }
        global: { algorithm: token-bucket, capacity: 100, refill: 1/h }
    """.trimIndent()

    fun engine(text: String = yaml, store: BucketStore = LocalBucketStore()) = RateLimits(LimitsConfig.parse(text), store, MockClock())

    test("levels read from YAML come back from toYaml, shadow mode included") {
        val config = LimitsConfig.parse(yaml)
        config.levels.map { it.per.id } shouldContainExactly listOf("ip", "endpoint", "key+endpoint", "key+ip")
        config.policies.getValue("trial").isShadow shouldBe true
        LimitsConfig.parse(config.toYaml()) shouldBe config
    }

    test("the per-address level refuses the fourth call from one address, names itself and charges nothing else") {
        val limits = engine()
        repeat(3) { limits.check("k$it", address = "203.0.113.7").allowed shouldBe true }
        val refused = limits.check("k9", address = "203.0.113.7")
        refused.allowed shouldBe false
        refused.policy shouldBe "per-ip"
        refused.key shouldBe "k9"
        limits.limiter("free").remainingQuota("k9") shouldBe 10
        limits.check("k9", address = "198.51.100.1").allowed shouldBe true
    }

    test("an endpoint level counts all callers of that endpoint together and skips other endpoints") {
        val limits = engine()
        repeat(5) { limits.check("k$it", "get /search").allowed shouldBe true }
        limits.check("k6", "GET /search").policy shouldBe "search-all"
        limits.check("k6", "GET /search").allowed shouldBe false
        limits.check("k6", "GET /other").allowed shouldBe true
    }

    test("a key+endpoint level limits each key on that endpoint on its own") {
        val limits = engine()
        repeat(2) { limits.check("a", "POST /reports").allowed shouldBe true }
        limits.check("a", "POST /reports").policy shouldBe "reports"
        limits.check("b", "POST /reports").allowed shouldBe true
    }

    test("a shadow level never refuses: the request is allowed with shadowDenied and the others are charged") {
        val limits = engine()
        limits.check("a", address = "192.0.2.1").shadowDenied shouldBe false
        val second = limits.check("a", address = "192.0.2.1")
        second.allowed shouldBe true
        second.shadowDenied shouldBe true
        second.policy shouldBe "trial"
        second.reason shouldBe null
        limits.limiter("free").remainingQuota("a") shouldBe 8
    }

    test("an enforcing refusal wins over a shadow one, and is not marked shadowDenied") {
        val limits = engine()
        repeat(3) { limits.check("a", address = "192.0.2.9") }
        val refused = limits.check("a", address = "192.0.2.9")
        refused.allowed shouldBe false
        refused.shadowDenied shouldBe false
        refused.policy shouldBe "per-ip"
    }

    test("a shadow policy in code lets everything through and reports what it would have refused") {
        val config = LimitsConfig(mapOf("tight" to LimitPolicy.tokenBucket(2, Rate.perHour(1)).shadow()), "tight")
        val limits = RateLimits(config, LocalBucketStore(), MockClock())
        val decisions = List(5) { limits.check("k") }
        decisions.all { it.allowed } shouldBe true
        decisions.map { it.shadowDenied } shouldBe listOf(false, false, true, true, true)
    }

    test("under 1,000 concurrent requests the ceiling admits exactly its limit and no key is charged for a refusal") {
        val text = """
            policies: { plan: { algorithm: token-bucket, capacity: 10, refill: 1/h } }
            default-policy: plan
            global: { algorithm: token-bucket, capacity: 100, refill: 1/h }
        """.trimIndent()
        val store = LocalBucketStore()
        val limits = engine(text, store)
        val admitted = coroutineScope {
            (0 until 1_000).map { i -> async(Dispatchers.Default) { "key-${i % 30}".takeIf { limits.check(it).allowed } } }
                .awaitAll().filterNotNull()
        }
        admitted.size shouldBe 100
        for (k in 0 until 30) {
            val mine = admitted.count { it == "key-$k" }.toLong()
            mine shouldBeLessThanOrEqualTo 10L
            limits.limiter("plan").remainingQuota("key-$k") shouldBe 10 - mine
        }
    }

    test("a refused request names the ceiling when the ceiling refused") {
        val text = """
            policies: { plan: { algorithm: token-bucket, capacity: 10, refill: 1/h } }
            default-policy: plan
            global: { algorithm: token-bucket, capacity: 1, refill: 1/h }
        """.trimIndent()
        val limits = engine(text)
        limits.check("a").allowed shouldBe true
        limits.check("b").policy shouldBe "global"
    }

    test("the blocking form decides like the suspending one") {
        val limits = engine()
        List(4) { limits.checkBlocking("j", null, "192.0.2.200").allowed } shouldBe listOf(true, true, true, false)
        limits.checkBlocking("j", null, "192.0.2.200").policy shouldBe "per-ip"
    }

    test("levels are validated with line and column") {
        val report = LimitsConfig.validate(
            """
            policies: { free: { algorithm: token-bucket, capacity: 10, refill: 1/s, mode: sahdow } }
            default-policy: free
            levels:
              - { per: ipp, policy: free }
              - { per: endpoint, policy: nope, endpoint: "FETCH /x" }
              - { policy: free, extra: 1 }
            """.trimIndent(),
        )
        val messages = report.errors.map { "${it.path}@${it.line}:${it.column} ${it.message}" }
        messages.any { it.startsWith("policies.free.mode@1:") && it.contains("did you mean 'shadow'") } shouldBe true
        messages.any { it.startsWith("levels[0].per@4:") && it.contains("unknown level 'ipp'") } shouldBe true
        messages.any { it.startsWith("levels[1].policy@5:") && it.contains("unknown policy 'nope'") } shouldBe true
        messages.any { it.startsWith("levels[1].endpoint@5:") && it.contains("unknown HTTP method 'FETCH'") } shouldBe true
        messages.any { it.startsWith("levels[2].extra@6:") } shouldBe true
        messages.any { it.startsWith("levels[2].per@6:") && it.contains("missing field 'per'") } shouldBe true
    }

    test("a level whose policy cannot fit an endpoint's cost is refused with the fix") {
        val thrown = shouldThrow<dev.limiter.config.LimitsConfigException> {
            LimitsConfig.parse(
                """
                policies: { free: { algorithm: token-bucket, capacity: 10, refill: 1/s }, tiny: { algorithm: token-bucket, capacity: 2, refill: 1/s } }
                default-policy: free
                endpoints: { "POST /reports": { cost: 5 } }
                levels: [ { per: ip, policy: tiny } ]
                """.trimIndent(),
            )
        }
        thrown.message shouldContain "cost 5 is larger than the capacity 2 of policy 'tiny'"
    }
})
