package dev.limiter

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.io.IOException

/** A primary whose availability the test switches; it decides several levels with local buckets. */
private class SwitchableStore : BucketStore {
    val buckets = LocalBucketStore()
    var up = true

    private fun reach() {
        if (!up) throw IOException("connection refused")
    }

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision {
        reach()
        return buckets.tryConsume(key, policy, permits, nowMicros)
    }

    override suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> {
        reach()
        return buckets.tryConsumeAll(requests, nowMicros)
    }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot {
        reach()
        return buckets.inspect(key, policy, permits, nowMicros)
    }

    override suspend fun reset(key: String, policy: LimitPolicy) {
        reach()
        buckets.reset(key, policy)
    }
}

class FaultTolerantLevelsSpec : FunSpec({
    val t0 = 1_767_225_600_000_000L
    val own = LimitPolicy.tokenBucket(5, Rate.perHour(1)).named("own")
    val ceiling = LimitPolicy.tokenBucket(2, Rate.perHour(1)).named("global")
    fun levels(key: String) = listOf(BucketRequest(key, own, 1), BucketRequest("global", ceiling, 1))
    val failFast = FaultToleranceSettings().withFailuresBeforeOpening(1)

    test("while the primary answers, every level is decided there, all or nothing") {
        val primary = SwitchableStore()
        val store = FaultTolerantBucketStore(primary, FaultToleranceMode.LOCAL, failFast)
        store.tryConsumeAll(levels("a"), t0).all { it.allowed } shouldBe true
        store.tryConsumeAll(levels("b"), t0).all { it.allowed } shouldBe true
        store.tryConsumeAll(levels("c"), t0).map { it.allowed } shouldBe listOf(true, false)
        primary.buckets.inspect("c", own, 1, t0).remaining shouldBe 5
    }

    test("in LOCAL mode a failing primary's levels are decided together from local buckets") {
        val primary = SwitchableStore().apply { up = false }
        val store = FaultTolerantBucketStore(primary, FaultToleranceMode.LOCAL, failFast)
        List(3) { store.tryConsumeAll(levels("k$it"), t0).all { d -> d.allowed } } shouldBe listOf(true, true, false)
        // Answered without suspending while the circuit is open, still all or nothing.
        store.tryConsumeAllNow(levels("k9"), t0)!!.map { it.allowed } shouldBe listOf(true, false)
        store.inspect("k9", own, 1, t0).remaining shouldBe 5
    }

    test("FAIL_OPEN allows and FAIL_CLOSED refuses every level while the primary is down") {
        for ((mode, allowed) in listOf(FaultToleranceMode.FAIL_OPEN to true, FaultToleranceMode.FAIL_CLOSED to false)) {
            val store = FaultTolerantBucketStore(SwitchableStore().apply { up = false }, mode, failFast)
            repeat(3) {
                val decisions = store.tryConsumeAll(levels("k"), t0)
                decisions.map { it.allowed } shouldBe listOf(allowed, allowed)
                if (!allowed) decisions.map { it.reason } shouldBe listOf(DenyReason.BACKEND_UNAVAILABLE, DenyReason.BACKEND_UNAVAILABLE)
            }
        }
    }
})
