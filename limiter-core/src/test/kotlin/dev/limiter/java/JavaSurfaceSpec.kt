package dev.limiter.java

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import java.io.File

class JavaSurfaceSpec : FunSpec({
    test("no public type of limiter-core shows Java a suspend function, a kotlin.time parameter, a mangled name or a *Kt facade") {
        val problems = JavaSurface.problems(File("target/classes"), EXEMPT)
        withClue(problems.joinToString("\n", prefix = "\n")) { problems.shouldBeEmpty() }
    }

    test("the check finds a suspend function and a *Kt facade when there is one") {
        // The test classes hold deliberate offenders (below), so the check can be seen to fail.
        val found = JavaSurface.problems(File("target/test-classes"), emptyMap()).filter { it.startsWith("dev.limiter.java.Offender") }
        found.filter { "suspend function" in it }.shouldNotBeEmpty()
        found.filter { "file facade" in it }.shouldNotBeEmpty()
    }
}) {
    companion object {
        /** Exempt on purpose, each with the reason. */
        val EXEMPT: Map<String, String> = JavaSurface.SPI_EXEMPT + mapOf(
            "dev.limiter.config.ConfigStore." to "the Kotlin config-store SPI; Java uses the CompletableFuture forms",
            "dev.limiter.testing.TestRateLimiterKotestExtension." to
                "implements Kotest's own suspending extension interface; Java uses TestRateLimiterExtension (JUnit 5)",
        )

        private const val STORE_SPI = "the Kotlin store SPI (and its implementations): Java implements AsyncBucketStore " +
            "and adapts it with BucketStore.fromAsync; Java callers use RateLimiter.create/builder, never a store's methods"
    }
}

/** A deliberate offender for the check above: Java would see a `Continuation` parameter. */
@Suppress("unused")
class OffenderSuspend {
    suspend fun take(): Int = 1
}
