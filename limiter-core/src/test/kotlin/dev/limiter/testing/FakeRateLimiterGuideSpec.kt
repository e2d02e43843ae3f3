package dev.limiter.testing

import dev.limiter.DenyReason
import dev.limiter.RateLimiter
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.time.Duration.Companion.seconds

/** Code under test in docs/testing.md: sends a report if the developer's quota allows. */
class ReportSender(private val limiter: RateLimiter) {
    suspend fun send(developer: String): String {
        val decision = limiter.tryAcquire(developer, permits = 10)
        return if (decision.allowed) "sent" else "retry in ${decision.retryAfter.seconds}s"
    }
}

/** The FakeRateLimiter examples of docs/testing.md, run as tests. */
class FakeRateLimiterGuideSpec : FunSpec({

    test("a report is sent when the limiter allows it, and costs 10 permits") {
        val limiter = FakeRateLimiter()
        ReportSender(limiter).send("dev-42") shouldBe "sent"
        limiter.assertAcquired("dev-42", times = 1)
        limiter.callsFor("dev-42").single().permits shouldBe 10
    }

    test("a developer over quota is told when to retry") {
        val limiter = FakeRateLimiter.denying(30.seconds)
        ReportSender(limiter).send("dev-42") shouldBe "retry in 30s"
    }

    test("the third report in a row is refused") {
        val limiter = FakeRateLimiter.scripted(true, true, false)
        val sender = ReportSender(limiter)
        List(3) { sender.send("dev-42") } shouldBe listOf("sent", "sent", "retry in 1s")
        limiter.calls.last().decision?.reason shouldBe DenyReason.LIMITED
    }

    test("only paying developers get through") {
        val limiter = FakeRateLimiter.scripted { key, _ -> key.startsWith("paid-") }
        ReportSender(limiter).send("paid-7") shouldBe "sent"
        ReportSender(limiter).send("free-7") shouldBe "retry in 1s"
    }
})
