package dev.limiter.adaptive

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import dev.limiter.LocalBucketStore
import dev.limiter.Rate
import dev.limiter.adaptive.internal.scalePolicy
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * A key's bucket under a named policy carries over a change of factor: it never gains
 * permits because the factor moved, and loses no more than the change takes away (the
 * capacity it lost). Relies on the shared rule that a named policy's buckets are identified
 * by name and algorithm, not by numbers (keyed by numbers, a scaled policy would start from
 * a fresh, full bucket).
 */
class BucketCarryOverSpec : FunSpec({
    val now = 1_000_000_000_000L // nothing refills: every step happens at the same microsecond

    fun policy(algorithm: Algorithm): LimitPolicy =
        if (algorithm.id.contains("window")) LimitPolicy.of(algorithm, 40, Rate.perDay(40)).named("free")
        else LimitPolicy.of(algorithm, 40, Rate.perDay(10)).named("free")

    for (algorithm in Algorithm.entries) {
        test("a ${algorithm.id} key never gains permits when the factor moves, and loses at most the capacity taken away")
             {
                val store = LocalBucketStore()
                val free = policy(algorithm)
                for (used in listOf(5L, 25L, 38L)) {
                    store.reset("k", free)
                    repeat(used.toInt()) { store.tryConsume("k", free, 1, now).allowed shouldBe true }
                    var before = store.inspect("k", free, 1, now).remaining
                    var capacity = free.capacity
                    for (factor in listOf(0.5, 0.25, 0.75, 1.0, 0.3)) {
                        val scaled = scalePolicy(free, factor)
                        val after = store.inspect("k", scaled, 1, now).remaining
                        withClue("${algorithm.id}, $used used, factor $factor: $before left before, $after after") {
                            (after <= before) shouldBe true
                            (after >= before - maxOf(0L, capacity - scaled.capacity)) shouldBe true
                        }
                        // The key asks once under the new numbers, which writes its state under them:
                        // buckets convert when they are used, not when nobody looks at them.
                        val taken = store.tryConsume("k", scaled, 1, now)
                        before = if (taken.allowed) after - 1 else after
                        capacity = scaled.capacity
                    }
                }
            }
    }
})

