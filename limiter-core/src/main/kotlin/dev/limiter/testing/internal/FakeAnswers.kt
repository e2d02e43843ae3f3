package dev.limiter.testing.internal

import dev.limiter.Decision
import dev.limiter.testing.FakeRateLimiter
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger

/** How a [FakeRateLimiter] answers permit requests. */
internal sealed class FakeAnswers {
    /** The wait a denial built from a `false` answer asks for. */
    abstract val retryAfter: Duration

    /**
     * Returns the answer to request number [callNumber] for [permits] from [key]; [decide]
     * turns a yes or no into the decision a real limiter would give.
     */
    abstract fun answer(key: String, permits: Long, callNumber: Int, decide: (Boolean) -> Decision): Decision

    /** The same answers from the start, for a copy of the fake. */
    open fun fresh(): FakeAnswers = this

    object Allowing : FakeAnswers() {
        override val retryAfter: Duration = FakeRateLimiter.DEFAULT_RETRY_AFTER
        override fun answer(key: String, permits: Long, callNumber: Int, decide: (Boolean) -> Decision) = decide(true)
        override fun toString() = "allowing"
    }

    class Denying(override val retryAfter: Duration) : FakeAnswers() {
        override fun answer(key: String, permits: Long, callNumber: Int, decide: (Boolean) -> Decision) = decide(false)
        override fun toString() = "denying, retry after $retryAfter"
    }

    class ByRule(override val retryAfter: Duration, private val rule: FakeRateLimiter.Rule) : FakeAnswers() {
        override fun answer(key: String, permits: Long, callNumber: Int, decide: (Boolean) -> Decision) =
            decide(rule.allows(key, permits))
        override fun toString() = "scripted by a rule"
    }

    /** Answers in order; [answerAt] gives answer `i` (0-based). */
    class Script(
        private val size: Int,
        private val answerAt: (Int, (Boolean) -> Decision) -> Decision,
    ) : FakeAnswers() {
        private val next = AtomicInteger()
        override val retryAfter: Duration = FakeRateLimiter.DEFAULT_RETRY_AFTER

        override fun answer(key: String, permits: Long, callNumber: Int, decide: (Boolean) -> Decision): Decision {
            val index = next.getAndIncrement()
            check(index < size) {
                "the FakeRateLimiter script ran out: it had $size answer(s) and request ${index + 1} " +
                    "(call $callNumber, key '$key', $permits permit(s)) asked for another; " +
                    "add answers to scripted(...) or use scripted { key, permits -> ... }"
            }
            return answerAt(index, decide)
        }

        override fun fresh(): FakeAnswers = Script(size, answerAt)
        override fun toString() = "scripted, ${next.get().coerceAtMost(size)} of $size answer(s) used"
    }
}
