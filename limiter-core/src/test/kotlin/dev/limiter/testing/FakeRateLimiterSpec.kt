package dev.limiter.testing

import dev.limiter.DEFAULT_KEY
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.KeyUsage
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClosedException
import dev.limiter.Rate
import dev.limiter.RateLimitExceededException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.time.Duration
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class FakeRateLimiterSpec : FunSpec({

    test("a fake made with no arguments grants every request at once, whatever it asks for") {
        val fake = FakeRateLimiter()
        fake.tryAcquire("a").allowed shouldBe true
        fake.acquire("b", permits = 1_000).allowed shouldBe true
        fake.queueRequest("c", priority = 3, maxWait = 1.seconds).allowed shouldBe true
        fake.calls.map { it.decision?.allowed } shouldBe listOf(true, true, true)
        fake.calls.map { it.decision?.key } shouldBe listOf("a", "b", "c")
    }

    test("a denying fake answers tryAcquire LIMITED and waits QUEUE_TIMEOUT, with the retryAfter it was given") {
        val fake = FakeRateLimiter.denying(250.milliseconds)
        val now = fake.tryAcquire("k")
        now.allowed shouldBe false
        now.reason shouldBe DenyReason.LIMITED
        now.retryAfter shouldBe Duration.ofMillis(250)
        val waited = fake.acquire("k", maxWait = 5.seconds)
        waited.reason shouldBe DenyReason.QUEUE_TIMEOUT
        waited.retryAfter shouldBe Duration.ofMillis(250)
        fake.queueRequest("k", priority = 1, maxWait = 5.seconds).reason shouldBe DenyReason.QUEUE_TIMEOUT
    }

    test("a boolean script is answered in order and a request past its end fails, naming the call") {
        val fake = FakeRateLimiter.scripted(true, false, true)
        fake.tryAcquire("k").allowed shouldBe true
        fake.tryAcquire("k").allowed shouldBe false
        fake.tryAcquire("k").allowed shouldBe true
        val error = shouldThrow<IllegalStateException> { fake.tryAcquire("late") }
        error.message shouldContain "ran out"
        error.message shouldContain "key 'late'"
        fake.calls.last().decision shouldBe null
    }

    test("scripted decisions come back for the key asked about, with their reason and numbers") {
        val banned = Decision.denied("any", DenyReason.DENYLISTED, Duration.ofMinutes(5), remaining = 0, limit = 40)
        val fake = FakeRateLimiter.scripted(Decision.allowed("any", 39, 40), banned)
        fake.tryAcquire("dev-1") shouldBe Decision.allowed("dev-1", 39, 40)
        val second = fake.tryAcquire("dev-2")
        second.key shouldBe "dev-2"
        second.reason shouldBe DenyReason.DENYLISTED
        second.retryAfter shouldBe Duration.ofMinutes(5)
    }

    test("a rule decides each request from its key and permits") {
        val fake = FakeRateLimiter.scripted { key, permits -> key.startsWith("paid-") || permits == 1L }
        fake.tryAcquire("paid-1", permits = 50).allowed shouldBe true
        fake.tryAcquire("free-1", permits = 1).allowed shouldBe true
        fake.tryAcquire("free-1", permits = 2).allowed shouldBe false
    }

    test("a rule's denial asks to retry after the wait it was given") {
        val fake = FakeRateLimiter.scripted(2.seconds) { _, permits -> permits < 5 }
        fake.tryAcquire(permits = 5).retryAfter shouldBe Duration.ofSeconds(2)
        fake.nextAvailableTimestamp() shouldBe MockClock.DEFAULT_START.plusSeconds(2)
    }

    test("calls from many threads at once are all recorded, and a script hands out each answer exactly once") {
        val script = BooleanArray(8_000) { it % 8 < 3 }
        val fake = FakeRateLimiter.scripted(*script)
        withContext(Dispatchers.Default) {
            List(8) { worker -> launch { repeat(1_000) { fake.tryAcquire("w$worker") } } }
        }
        fake.calls.size shouldBe 8_000
        fake.usageStats().allowed shouldBe 3_000
        fake.usageStats().rejected shouldBe 5_000
        (0 until 8).sumOf { fake.grantedCount("w$it") } shouldBe 3_000
    }

    test("every call is recorded with its operation, key, permits, priority and maxWait") {
        val fake = FakeRateLimiter()
        fake.tryAcquire("k", permits = 2)
        fake.acquire("k")
        fake.queueRequest("k", priority = 7, maxWait = 1500.milliseconds, permits = 3)
        fake.tokenCount("k")
        fake.remainingQuota("k")
        fake.nextAvailableTimestamp("k", permits = 4)
        fake.reset("k")
        fake.calls.map { FakeCall(it.operation, it.key, it.permits, it.priority, it.maxWait, null) } shouldContainExactly listOf(
            FakeCall(FakeCall.Operation.TRY_ACQUIRE, "k", 2, null, null, null),
            FakeCall(FakeCall.Operation.ACQUIRE, "k", 1, 0, ChronoUnit.FOREVER.duration, null),
            FakeCall(FakeCall.Operation.QUEUE_REQUEST, "k", 3, 7, Duration.ofMillis(1500), null),
            FakeCall(FakeCall.Operation.TOKEN_COUNT, "k", null, null, null, null),
            FakeCall(FakeCall.Operation.REMAINING_QUOTA, "k", null, null, null, null),
            FakeCall(FakeCall.Operation.NEXT_AVAILABLE_TIMESTAMP, "k", 4, null, null, null),
            FakeCall(FakeCall.Operation.RESET, "k", null, null, null, null),
        )
    }

    test("callsFor and assertAcquired count only the key asked about, and a wrong count fails with both numbers") {
        val fake = FakeRateLimiter.scripted { key, _ -> key != "blocked" }
        fake.tryAcquire("a")
        fake.acquire("a")
        fake.tryAcquire("b")
        fake.tryAcquire("blocked")
        fake.callsFor("a").size shouldBe 2
        fake.assertAcquired("a", 2)
        fake.assertAcquired("blocked", 0)
        val error = shouldThrow<AssertionError> { fake.assertAcquired("a", 3) }
        error.message shouldContain "expected 3 granted request(s) for key 'a' but there were 2"
        shouldThrow<AssertionError> { fake.assertNoCalls() }.message shouldContain "there were 4"
        fake.clearCalls()
        fake.assertNoCalls()
    }

    test("queries answer from the key's last decision, or from the policy before any") {
        val fake = FakeRateLimiter.scripted(Decision.allowed("x", 7, 10)).withPolicy(LimitPolicy.tokenBucket(10, Rate.perSecond(1)))
        fake.remainingQuota("k") shouldBe 10
        fake.tryAcquire("k")
        fake.remainingQuota("k") shouldBe 7
        fake.tokenCount("k") shouldBe 7.0
        fake.reset("k")
        fake.remainingQuota("k") shouldBe 10
    }

    test("a denying fake's next permit is its retryAfter past its clock") {
        val clock = MockClock(Instant.parse("2026-03-01T12:00:00Z"))
        val fake = FakeRateLimiter.denying(Duration.ofSeconds(30)).withClock(clock)
        fake.remainingQuota("k") shouldBe 0
        fake.nextAvailableTimestamp("k") shouldBe Instant.parse("2026-03-01T12:00:30Z")
        clock.advance(Duration.ofSeconds(10))
        fake.nextAvailableTimestamp("k") shouldBe Instant.parse("2026-03-01T12:00:40Z")
    }

    test("usage statistics count the recorded decisions, per key and overall") {
        val fake = FakeRateLimiter.scripted(true, true, false)
        fake.tryAcquire("a", permits = 3)
        fake.acquire("b")
        fake.queueRequest("a", maxWait = 1.seconds)
        fake.remainingQuota("a")
        fake.usageStats("a") shouldBe KeyUsage("a", allowed = 1, rejected = 1, permitsGranted = 3)
        val stats = fake.usageStats()
        stats.allowed shouldBe 2
        stats.rejected shouldBe 1
        stats.timedOut shouldBe 1
        stats.trackedKeys shouldBe 2
    }

    test("the request form of queueRequest runs the request when granted and throws when denied") {
        val fake = FakeRateLimiter.scripted(true, false)
        fake.queueRequest("k", 0, 1.seconds) { "ran" } shouldBe "ran"
        var ran = false
        val error = shouldThrow<RateLimitExceededException> { fake.queueRequest("k", 0, 1.seconds) { ran = true } }
        ran shouldBe false
        error.retryAfter shouldBe FakeRateLimiter.DEFAULT_RETRY_AFTER
    }

    test("a scoped view and the blocking view are recorded under the fake, with the scoped key") {
        val fake = FakeRateLimiter()
        fake.scopeByKey("dev-42").tryAcquire(permits = 2)
        fake.asBlocking().tryAcquire("dev-7")
        fake.asBlocking().scopeByKey("dev-9").getRemainingQuota()
        fake.calls.map { it.operation to it.key } shouldBe listOf(
            FakeCall.Operation.TRY_ACQUIRE to "dev-42",
            FakeCall.Operation.TRY_ACQUIRE to "dev-7",
            FakeCall.Operation.REMAINING_QUOTA to "dev-9",
        )
    }

    test("permits outside 1..capacity are rejected like the real limiter does, naming the fix") {
        val fake = FakeRateLimiter().withPolicy(LimitPolicy.tokenBucket(5, Rate.perSecond(5)))
        shouldThrow<IllegalArgumentException> { fake.tryAcquire(DEFAULT_KEY, 6) }.message shouldContain "withPolicy"
        shouldThrow<IllegalArgumentException> { fake.acquire(permits = 0) }.message shouldContain "was 0"
        fake.calls shouldBe emptyList()
    }

    test("a closed fake refuses every operation") {
        val fake = FakeRateLimiter()
        fake.use { it.tryAcquire().allowed shouldBe true }
        fake.isClosed shouldBe true
        shouldThrow<LimiterClosedException> { fake.tryAcquire() }
        shouldThrow<LimiterClosedException> { fake.remainingQuota() }
    }

    test("withPolicy and withClock keep the answers but start the script and the record over") {
        val fake = FakeRateLimiter.scripted(false, true)
        fake.tryAcquire().allowed shouldBe false
        val copy = fake.withPolicy(LimitPolicy.tokenBucket(3, Rate.perSecond(1)))
        copy.tryAcquire().allowed shouldBe false
        copy.tryAcquire().limit shouldBe 3
        copy.calls.size shouldBe 2
        fake.calls.size shouldBe 1
    }

    test("a negative retryAfter is refused with the fix") {
        shouldThrow<IllegalArgumentException> { FakeRateLimiter.denying(Duration.ofSeconds(-1)) }
            .message shouldContain "retryAfter must not be negative"
    }
})
