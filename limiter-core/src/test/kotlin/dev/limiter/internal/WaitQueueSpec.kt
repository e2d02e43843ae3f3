package dev.limiter.internal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.random.Random

/** The per-priority lists give the same answers as scanning every waiter, aged or not. */
class WaitQueueSpec : FunSpec({

    /** The reference: every waiter in one list, scanned for the best, as the queue used to be. */
    class Scan(private val agingMicros: Long) {
        val waiters = ArrayList<WaitQueue.Waiter>()

        fun effective(w: WaitQueue.Waiter, now: Long): Long =
            if (agingMicros == 0L) w.priority.toLong() else w.priority + maxOf(0, now - w.enqueuedAt) / agingMicros

        fun best(now: Long): WaitQueue.Waiter? =
            waiters.minWithOrNull(compareByDescending<WaitQueue.Waiter> { effective(it, now) }.thenBy { it.sequence })

        /** The waiter after the best, or null: what [WaitQueue.successor] answers without aging. */
        fun second(now: Long): WaitQueue.Waiter? =
            waiters.sortedWith(compareByDescending<WaitQueue.Waiter> { effective(it, now) }.thenBy { it.sequence }).getOrNull(1)

        fun permitsAtOrAbove(priority: Int, now: Long, cap: Long): Long =
            waiters.filter { effective(it, now) >= priority }.sumOf { it.permits }.coerceAtMost(cap)
    }

    for (aging in listOf(0L, 1_000L)) {
        test("random adds, removals and clock steps agree with a full scan (aging $aging µs, seed 18)") {
            val random = Random(18)
            val queue = WaitQueue(aging)
            val scan = Scan(aging)
            var now = 0L
            repeat(20_000) { step ->
                now += random.nextLong(0, 700)
                if (scan.waiters.isEmpty() || random.nextInt(10) < 6) {
                    val w = queue.add(random.nextInt(-2, 3), random.nextLong(1, 4), now)
                    scan.waiters += w
                } else {
                    val w = scan.waiters[random.nextInt(scan.waiters.size)]
                    val wasBest = scan.best(now) === w
                    scan.waiters.remove(w)
                    val expectedBest = if (wasBest) scan.best(now) else null
                    withClue(step) { queue.remove(w, now) shouldBe expectedBest }
                }
                val best = scan.best(now)
                if (best != null) withClue(step) {
                    queue.isBest(best, now) shouldBe true
                    // Aged ranks move with time: the queue names no successor then.
                    queue.successor(best, now) shouldBe (if (aging == 0L) scan.second(now) else null)
                    if (scan.waiters.size > 1) queue.successor(scan.second(now)!!, now) shouldBe null // not the head
                }
                val p = random.nextInt(-3, 5)
                withClue(step) {
                    queue.hasWaiterAtOrAbove(p, now) shouldBe scan.waiters.any { scan.effective(it, now) >= p }
                    queue.permitsAtOrAbove(p, now, 40) shouldBe scan.permitsAtOrAbove(p, now, 40)
                }
                queue.size() shouldBe scan.waiters.size
            }
        }
    }

    test("removing a waiter from the middle of its priority keeps the others in arrival order") {
        val queue = WaitQueue(0)
        val a = queue.add(1, 1, 0)
        val b = queue.add(1, 1, 0)
        val c = queue.add(1, 1, 0)
        val high = queue.add(2, 1, 0)
        queue.remove(b, 0) shouldBe null // not the best: nobody to wake
        queue.remove(high, 0) shouldBe a // the best left: wake the next
        queue.remove(a, 0) shouldBe c
        queue.remove(c, 0) shouldBe null
        queue.isEmpty() shouldBe true
    }
})

private inline fun <T> withClue(step: Int, body: () -> T): T = io.kotest.assertions.withClue("step $step") { body() }
