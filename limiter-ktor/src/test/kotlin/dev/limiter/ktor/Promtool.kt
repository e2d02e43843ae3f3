package dev.limiter.ktor

import io.kotest.core.test.Enabled
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * Prometheus' own checker, `promtool` (Debian package `prometheus`; `.ci/run` installs it).
 *
 * Tests that need it run whenever it is on `PATH`, and always in CI (`CI=true`), where a
 * missing promtool fails them. Only a local build without it skips them, saying why.
 */
object Promtool {
    private val binary: File? = System.getenv("PATH").orEmpty().split(File.pathSeparator)
        .map { File(it, "promtool") }.firstOrNull { it.canExecute() }

    /** Whether a test that needs promtool runs here. */
    fun enabled(): Enabled = when {
        binary != null || System.getenv("CI") == "true" -> Enabled.enabled
        else -> Enabled.disabled(
            "promtool is not on PATH: install it with `apt-get install -y prometheus` " +
                "(in CI, where CI=true, this test runs and fails instead of being skipped)",
        )
    }

    /** What one promtool run printed and how it ended. */
    data class Result(val exitCode: Int, val output: String)

    /** Runs promtool with [args] in [directory], [input] on its standard input. */
    fun run(vararg args: String, input: String = "", directory: File? = null): Result {
        val promtool = checkNotNull(binary) { "promtool is not on PATH; install it with `apt-get install -y prometheus` (.ci/run does)" }
        val process = ProcessBuilder(listOf(promtool.path) + args).directory(directory).redirectErrorStream(true).start()
        process.outputStream.use { it.write(input.toByteArray()) }
        val output = process.inputStream.bufferedReader().readText()
        check(process.waitFor(60, TimeUnit.SECONDS)) { "promtool ${args.joinToString(" ")} did not finish" }
        return Result(process.exitValue(), output)
    }
}
