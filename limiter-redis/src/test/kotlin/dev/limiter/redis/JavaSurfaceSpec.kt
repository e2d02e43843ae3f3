package dev.limiter.redis

import dev.limiter.java.JavaSurface
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import java.io.File

class JavaSurfaceSpec : FunSpec({
    test("no public type of limiter-redis shows Java a suspend function, a kotlin.time parameter, a mangled name or a *Kt facade") {
        val problems = JavaSurface.problems(File("target/classes"), EXEMPT)
        withClue(problems.joinToString("\n", prefix = "\n")) { problems.shouldBeEmpty() }
    }
}) {
    companion object {
        /** Exempt on purpose, each with the reason. */
        val EXEMPT: Map<String, String> = JavaSurface.SPI_EXEMPT
    }
}
