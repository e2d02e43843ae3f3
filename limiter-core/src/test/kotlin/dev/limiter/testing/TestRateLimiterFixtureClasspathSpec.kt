package dev.limiter.testing

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.net.URLClassLoader
import java.time.Duration

/**
 * The fixture and the fake load and work with only limiter-core's required dependencies:
 * a project without Kotest, JUnit or kotlinx-coroutines-test (all optional) never hits a
 * NoClassDefFoundError through them.
 */
class TestRateLimiterFixtureClasspathSpec : FunSpec({

    fun locationOf(className: String) = Class.forName(className).protectionDomain.codeSource.location

    // limiter-core's own classes and its required (non-optional) dependencies, nothing else.
    fun coreOnly() = URLClassLoader(
        listOf(
            "dev.limiter.testing.TestRateLimiterFixture",
            "kotlin.Unit",
            "kotlinx.coroutines.CoroutineScope",
            "kotlinx.coroutines.future.FutureKt",
            "com.charleskorn.kaml.Yaml",
            "org.slf4j.Logger",
        ).map(::locationOf).distinct().toTypedArray(),
        ClassLoader.getPlatformClassLoader(),
    )

    test("the class loader really leaves out Kotest, JUnit and coroutines-test") {
        coreOnly().use { loader ->
            shouldThrow<ClassNotFoundException> { loader.loadClass("io.kotest.core.spec.Spec") }
            shouldThrow<ClassNotFoundException> { loader.loadClass("org.junit.jupiter.api.extension.Extension") }
            shouldThrow<ClassNotFoundException> { loader.loadClass("kotlinx.coroutines.test.TestCoroutineScheduler") }
            // The framework adapters need their framework, which is why they live in files of their own.
            shouldThrow<NoClassDefFoundError> { Class.forName("dev.limiter.testing.TestRateLimiterExtension", true, loader) }
            shouldThrow<NoClassDefFoundError> { Class.forName("dev.limiter.testing.TestRateLimiterKotestExtension", true, loader) }
        }
    }

    test("a fixture exhausts, denies for exactly 100 ms and refills without any test framework on the class path") {
        coreOnly().use { loader ->
            val rate = loader.loadClass("dev.limiter.Rate").getMethod("perSecond", Long::class.java).invoke(null, 10L)
            val policyClass = loader.loadClass("dev.limiter.LimitPolicy")
            val policy = policyClass.getMethod("tokenBucket", Long::class.java, rate.javaClass).invoke(null, 10L, rate)
            val fixtureClass = Class.forName("dev.limiter.testing.TestRateLimiterFixture", true, loader)
            val fixture = fixtureClass.getConstructor(policyClass).newInstance(policy)

            fixtureClass.getMethod("exhaust", String::class.java).invoke(fixture, "k") shouldBe 10L
            val denied = fixtureClass.getMethod("assertDenied", String::class.java).invoke(fixture, "k")
            denied.javaClass.getMethod("getRetryAfter").invoke(denied) shouldBe Duration.ofMillis(100)
            fixtureClass.getMethod("advanceTime", Duration::class.java).invoke(fixture, Duration.ofMillis(100))
            fixtureClass.getMethod("assertAllowed", String::class.java).invoke(fixture, "k")
        }
    }

    test("a fake records calls without any test framework on the class path") {
        coreOnly().use { loader ->
            val fakeClass = Class.forName("dev.limiter.testing.FakeRateLimiter", true, loader)
            val fake = fakeClass.getConstructor().newInstance()
            val blocking = fakeClass.getMethod("asBlocking").invoke(fake)
            val decision = blocking.javaClass.getMethod("tryAcquire", String::class.java).invoke(blocking, "k")
            decision.javaClass.getMethod("isAllowed").invoke(decision) shouldBe true
            (fakeClass.getMethod("getCalls").invoke(fake) as List<*>).size shouldBe 1
        }
    }
})
