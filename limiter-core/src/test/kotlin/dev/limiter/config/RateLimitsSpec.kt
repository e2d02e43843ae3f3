package dev.limiter.config

import dev.limiter.DenyReason
import dev.limiter.LocalBucketStore
import dev.limiter.RateLimits
import dev.limiter.testing.MockClock
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.time.Duration

class RateLimitsSpec : FunSpec({
    val portal = LimitsConfig.parse(resource("portal.yaml"))

    fun limits(config: LimitsConfig = portal, clock: MockClock = MockClock()) = RateLimits(config, LocalBucketStore(), clock)

    test("a key follows its assigned policy and every other key the default policy") {
        val limits = limits()
        limits.policyFor("dev-42").name shouldBe "pro"
        limits.policyFor("dev-7").name shouldBe "free"
        limits.policyFor("dev-7", "POST /reports").name shouldBe "reports"
        limits.policyFor("dev-7", "GET /anything").name shouldBe "free"
    }

    test("a key may spend its policy's capacity, then is limited until it refills") {
        val clock = MockClock()
        val limits = limits(clock = clock)
        repeat(40) { limits.check("dev-7").allowed shouldBe true }

        val denied = limits.check("dev-7")
        denied.allowed shouldBe false
        denied.reason shouldBe DenyReason.LIMITED
        denied.retryAfter shouldBe Duration.ofMillis(100)

        clock.advance(Duration.ofMillis(100))
        limits.check("dev-7").allowed shouldBe true
    }

    test("an endpoint with its own policy draws its cost from that policy, not from the key's") {
        val limits = limits()
        limits.check("dev-7", "POST /reports").remaining shouldBe 10
        limits.check("dev-7", "POST /reports").remaining shouldBe 0
        limits.check("dev-7", "POST /reports").allowed shouldBe false

        limits.limiter("free").remainingQuota("dev-7") shouldBe 40
        limits.limiter("reports").remainingQuota("dev-7") shouldBe 0
    }

    test("an endpoint without a policy draws its cost from the key's policy") {
        val config = LimitsConfig.parse(resource("portal.yaml") + "\nglobal: { algorithm: token-bucket, capacity: 1000, refill: 1/s }\n")
            .let { LimitsConfig(it.policies, it.defaultPolicy, it.keys, it.endpoints + ("GET /search" to EndpointLimit(15)), global = it.global) }
        val limits = limits(config)

        limits.check("dev-7", "get /search").remaining shouldBe 25
        limits.check("dev-7", "GET /search", permits = 5).remaining shouldBe 20
        limits.limiter("free").remainingQuota("dev-7") shouldBe 20
    }

    test("a request denied by the global ceiling consumes nothing from the key's own bucket") {
        val limits = limits(ceiling(capacity = 3, keyCapacity = 40))
        listOf("a", "b", "c").forEach { limits.check(it).allowed shouldBe true }

        val denied = limits.check("d")
        denied.allowed shouldBe false
        denied.limit shouldBe 3
        denied.key shouldBe "d"
        limits.limiter("plan").remainingQuota("d") shouldBe 40
    }

    test("a request denied by the key's own limit consumes nothing from the global ceiling") {
        val limits = limits(ceiling(capacity = 5, keyCapacity = 2))
        val byA = List(5) { limits.check("a").allowed }
        byA shouldBe listOf(true, true, false, false, false)

        // Had a's three denied requests been charged to the ceiling, b would get nothing.
        List(2) { limits.check("b").allowed } shouldBe listOf(true, true)
        val lastGlobal = limits.check("c")
        lastGlobal.allowed shouldBe true
        val refused = limits.check("c")
        refused.policy shouldBe "global"
        refused.limit shouldBe 5
    }

    test("an allowed decision is the request's own level's, named after it; a refusal names the level that refused") {
        val limits = limits(ceiling(capacity = 1, keyCapacity = 40))
        val decision = limits.check("a")
        decision.remaining shouldBe 39
        decision.limit shouldBe 40
        decision.policy shouldBe "plan"
        limits.check("b").policy shouldBe "global"
    }

    test("allowlisted keys and addresses bypass every limit") {
        val limits = limits()
        repeat(100) {
            limits.check("admin-key").allowed shouldBe true
            limits.check("dev-7", address = "10.1.2.3").allowed shouldBe true
        }
        limits.check("admin-key").remaining shouldBe Long.MAX_VALUE
        limits.limiter("free").remainingQuota("dev-7") shouldBe 40
        limits.check("dev-7", address = "11.0.0.1").remaining shouldBe 39
    }

    test("denylisted keys and addresses are refused with DENYLISTED, even when also allowlisted by address") {
        val config = LimitsConfig(portal.policies, "free", denylist = listOf("abuser-1", "2001:db8::/32"), allowlist = listOf("10.0.0.0/8"))
        val limits = limits(config)

        limits.check("abuser-1").reason shouldBe DenyReason.DENYLISTED
        limits.check("abuser-1", address = "10.0.0.1").reason shouldBe DenyReason.DENYLISTED
        limits.check("dev-7", address = "2001:db8:0:1::5").reason shouldBe DenyReason.DENYLISTED
        limits.check("dev-7", address = "2001:db9::5").allowed shouldBe true
    }

    test("a request that could never be granted is refused with the reason") {
        val thrown = shouldThrow<IllegalArgumentException> { limits().check("dev-7", permits = 41) }
        thrown.message shouldContain "permits 41 exceed the capacity 40 of policy 'free'"
        shouldThrow<IllegalArgumentException> { limits().check("dev-7", permits = 0) }
    }

    test("an update keeps every named policy's buckets; a grown policy gives back nothing already taken") {
        val limits = limits()
        repeat(30) { limits.check("dev-7") }
        repeat(100) { limits.check("dev-42") }
        val freeLimiter = limits.limiter("free")

        val report = limits.update(resource("portal.yaml").replace("capacity: 400", "capacity: 500"))

        report.isValid shouldBe true
        limits.check("dev-7").remaining shouldBe 9
        // 300 of pro's 400 were left: still 300 under a capacity of 500, then one is taken.
        limits.check("dev-42").remaining shouldBe 299
        limits.limiter("free") shouldBeSameInstanceAs freeLimiter
    }

    test("an invalid config is rejected without touching the running one") {
        val limits = limits()
        val running = limits.config
        repeat(5) { limits.check("dev-7") }

        val report = limits.update(resource("portal.yaml").replace("refill: 10/s", "refill: 10/fortnight"))

        report.isValid shouldBe false
        report.errors.single().path shouldBe "policies.free.refill"
        limits.config shouldBeSameInstanceAs running
        limits.check("dev-7").remaining shouldBe 34
    }

    test("asking for the limiter of an undefined policy names the defined ones") {
        shouldThrow<IllegalArgumentException> { limits().limiter("gold") }.message shouldBe
            "no policy named 'gold'; defined policies are [free, pro, reports]"
    }
})

/** One plan of [keyCapacity] for every key under a global ceiling of [capacity]; nothing refills in a test. */
private fun ceiling(capacity: Long, keyCapacity: Long): LimitsConfig = LimitsConfig.parse(
    """
    policies:
      plan: { algorithm: token-bucket, capacity: $keyCapacity, refill: 1/1d }
    default-policy: plan
    global: { algorithm: token-bucket, capacity: $capacity, refill: 1/1d }
    """.trimIndent(),
)
