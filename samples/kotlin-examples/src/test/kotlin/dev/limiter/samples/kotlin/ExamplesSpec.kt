package dev.limiter.samples.kotlin

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.testing.VirtualClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest

class ExamplesSpec : FunSpec({
    test("use {} allows five requests a minute and tells the sixth when to come back") {
        printedBy { runTest { firstLimiter() } } shouldBe listOf(
            "request 1: allowed, 4 left",
            "request 2: allowed, 3 left",
            "request 3: allowed, 2 left",
            "request 4: allowed, 1 left",
            "request 5: allowed, 0 left",
            "request 6: denied, retry in 12 s",
            "request 7: denied, retry in 12 s",
        )
    }

    test("a burst is served interactive requests first, then batch in arrival order, one every 100 ms") {
        printedBy { runTest { burstWithPriorities(VirtualClock(testScheduler)) } } shouldBe listOf(
            "0 ms: batch-1 granted",
            "0 ms: batch-2 granted",
            "100 ms: interactive-1 granted",
            "200 ms: interactive-2 granted",
            "300 ms: batch-3 granted",
            "400 ms: batch-4 granted",
        )
    }

    test("a queued call that cannot be granted in time backs off for the Retry-After, then runs") {
        printedBy { runTest { queuedBackoff(VirtualClock(testScheduler)) } } shouldBe listOf(
            "0 ms: call 1 done",
            "1000 ms: call 2 done",
        )
    }

    test("a leaky bucket releases a burst evenly at its drain rate and refuses what tryAcquire cannot fit") {
        printedBy { runTest { leakySmoothing(VirtualClock(testScheduler)) } } shouldBe listOf(
            "0 ms: delivery 1 sent",
            "0 ms: delivery 2 sent",
            "200 ms: delivery 3 sent",
            "400 ms: delivery 4 sent",
            "600 ms: delivery 5 sent",
            "800 ms: delivery 6 sent",
            "1000 ms: delivery 7 sent",
            "1200 ms: delivery 8 sent",
            "tryAcquire burst of 5 on a fresh key: 3 refused",
        )
    }

    test("scopeByKey gives each developer a bucket of their own") {
        printedBy { runTest { perDeveloper(VirtualClock(testScheduler)) } } shouldBe listOf(
            "alice: 0 left, KeyUsage(key=dev-alice, allowed=3, rejected=1, permitsGranted=3)",
            "bob: 2 left, KeyUsage(key=dev-bob, allowed=1, rejected=0, permitsGranted=1)",
        )
    }

    test("the README example allows the first request and runs the queued call") {
        printedBy { runTest { readmeExample { "called" } } } shouldBe listOf("allowed, 9 left", "called")
    }

    test("validation names each problem with its line and column") {
        describeProblems("policies:\n  free: { algorithm: token-bucket, capacity: 0, refill: 10/s }\ndefault-policy: free\n") shouldBe
            "policies.free.capacity (line 2, column 46): must be greater than 0, was 0"
        describeProblems("policies:\n  free: { algorithm: token-bucket, capacity: 10, refill: 10/s }\ndefault-policy: free\n") shouldBe "valid"
    }

    test("the limiter of the priority-aging snippet limits by its policy") {
        runTest {
            agingLimiter(LimitPolicy.tokenBucket(2, Rate.perMinute(2))).use { limiter ->
                List(3) { limiter.tryAcquire("k").allowed } shouldBe listOf(true, true, false)
            }
        }
    }

    test("main runs every example on the system clock, in order") {
        val printed = printedBy { main() }
        val withoutTimes = printed.map { it.replace(Regex("^\\d+ ms: "), "") }
        withoutTimes.filter { it.startsWith("== ") } shouldBe listOf(
            "== use {}", "== queueRequest with priorities", "== queued back-off",
            "== leaky bucket smoothing", "== scopeByKey",
        )
        // The order is checked exactly in virtual time above; on a real, busy clock a refill
        // can land between two arrivals, so here only the set of grants is checked.
        withoutTimes.filter { it.endsWith(" granted") }.sorted() shouldBe listOf(
            "batch-1 granted", "batch-2 granted", "batch-3 granted",
            "batch-4 granted", "interactive-1 granted", "interactive-2 granted",
        )
        withoutTimes.filter { it.startsWith("delivery") } shouldBe (1..8).map { "delivery $it sent" }
        withoutTimes shouldContainInOrder listOf("call 1 done", "call 2 done")
    }
})

private infix fun List<String>.shouldContainInOrder(expected: List<String>) {
    filter { it in expected } shouldBe expected
}
