package dev.limiter.ktor.browser

import com.microsoft.playwright.Browser
import com.microsoft.playwright.BrowserType
import com.microsoft.playwright.Playwright
import org.junit.jupiter.api.Assumptions
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths

/**
 * Starts Playwright on the system's Chromium (Debian's `chromium` package): browsers cannot be
 * downloaded here, so Playwright's own download is switched off and the executable named.
 *
 * Without Chromium the browser tests are skipped with a message saying how to run them,
 * unless `CI` is set: on CI they must run, so a missing Chromium fails them.
 */
internal object BrowserSupport {
    /** `LIMITER_CHROMIUM` when set, else Debian's `/usr/bin/chromium`. */
    val chromium: Path = Paths.get(System.getenv("LIMITER_CHROMIUM") ?: "/usr/bin/chromium")

    fun requireChromium() {
        val present = Files.isExecutable(chromium)
        val onCi = !System.getenv("CI").isNullOrEmpty()
        check(present || !onCi) { "CI is set but Chromium is missing at $chromium: .ci/run installs it with apt-get install -y chromium" }
        if (!present) {
            val message = "Browser tests skipped: no Chromium at $chromium. Install it (apt-get install -y chromium) " +
                "or set LIMITER_CHROMIUM, then run ./mvnw -B -pl limiter-ktor -am test -Dtest='*BrowserTest' -Dsurefire.failIfNoSpecifiedTests=false"
            System.err.println("WARNING: $message") // Surefire does not show why a class was skipped
            Assumptions.abort<Unit>(message)
        }
    }

    fun <T> withBrowser(block: (Browser) -> T): T {
        val options = Playwright.CreateOptions().setEnv(mapOf("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD" to "1"))
        return Playwright.create(options).use { playwright ->
            playwright.chromium().launch(BrowserType.LaunchOptions().setExecutablePath(chromium).setHeadless(true)).use(block)
        }
    }

    /** `docs/images` of the project, found from the module directory the tests run in. */
    fun imagesDir(): Path {
        var dir: Path? = Paths.get("").toAbsolutePath()
        while (dir != null && !Files.isDirectory(dir.resolve("docs")) ) dir = dir.parent
        return checkNotNull(dir) { "no docs/ directory above ${Paths.get("").toAbsolutePath()}" }
            .resolve("docs/images").also { Files.createDirectories(it) }
    }
}
