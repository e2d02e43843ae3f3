package dev.limiter.testing

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import org.junit.jupiter.api.extension.ExtensionConfigurationException
import java.time.Instant

/** How [TestRateLimiterPolicy] turns into a fixture, and how a bad one is reported. */
class TestRateLimiterFixtureAnnotationSpec : FunSpec({

    fun policyOf(name: String): TestRateLimiterPolicy =
        Annotated::class.java.getDeclaredMethod(name).getAnnotation(TestRateLimiterPolicy::class.java)

    test("an annotation reads like the YAML configuration") {
        val fixture = TestRateLimiterExtension.fixtureFrom(policyOf("leaky"))
        fixture.policy shouldBe LimitPolicy.leakyBucket(20, Rate.perSecond(5))
        fixture.now() shouldBe Instant.parse("2026-09-09T09:00:00Z")
    }

    test("an unknown algorithm is reported with the value and the algorithms there are") {
        shouldThrow<ExtensionConfigurationException> { TestRateLimiterExtension.fixtureFrom(policyOf("unknownAlgorithm")) }
            .message shouldBe "@TestRateLimiterPolicy algorithm 'token-bucket!' is not known; use one of token-bucket, " +
            "leaky-bucket, fixed-window, sliding-window-log, sliding-window-counter, gcra"
    }

    test("a bad rate, capacity or start is reported with the field and the value") {
        shouldThrow<ExtensionConfigurationException> { TestRateLimiterExtension.fixtureFrom(policyOf("badRate")) }
            .message shouldStartWith "@TestRateLimiterPolicy rate 'ten a second' is not valid: "
        shouldThrow<ExtensionConfigurationException> { TestRateLimiterExtension.fixtureFrom(policyOf("badCapacity")) }
            .message shouldStartWith "@TestRateLimiterPolicy capacity '0' is not valid: capacity must be between 1 and"
        shouldThrow<ExtensionConfigurationException> { TestRateLimiterExtension.fixtureFrom(policyOf("badStart")) }
            .message shouldBe "@TestRateLimiterPolicy start 'yesterday' is not an ISO-8601 instant; " +
            "write it like 2026-01-01T00:00:00Z, or leave it empty"
    }
})

@Suppress("unused")
private class Annotated {
    @TestRateLimiterPolicy(algorithm = "leaky-bucket", capacity = 20, rate = "5/s", start = "2026-09-09T09:00:00Z")
    fun leaky() {}

    @TestRateLimiterPolicy(algorithm = "token-bucket!", capacity = 1, rate = "1/s")
    fun unknownAlgorithm() {}

    @TestRateLimiterPolicy(capacity = 1, rate = "ten a second")
    fun badRate() {}

    @TestRateLimiterPolicy(capacity = 0, rate = "1/s")
    fun badCapacity() {}

    @TestRateLimiterPolicy(capacity = 1, rate = "1/s", start = "yesterday")
    fun badStart() {}
}
