package dev.limiter.ktor

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.ktor.http.HttpStatusCode
import org.slf4j.LoggerFactory
import java.time.Duration

class ViolationLogSpec : FunSpec({

    fun captured(block: (ListAppender<ILoggingEvent>) -> Unit) {
        val logger = LoggerFactory.getLogger("dev.limiter.ktor.RateLimiting") as Logger
        val appender = ListAppender<ILoggingEvent>().apply { start() }
        val level = logger.level
        logger.level = Level.WARN
        logger.addAppender(appender)
        try {
            block(appender)
        } finally {
            logger.detachAppender(appender)
            logger.level = level
        }
    }

    test("a three-character API key is logged by its hash alone; a long one by four characters and the hash") {
        captured { log ->
            limitedApp(MockClock()) {
                repeat(4) { client.hit("/hello", "dev") }
                repeat(4) { client.hit("/hello", "dev-0123456789abcdef") }
                val lines = log.list.map { it.formattedMessage }
                lines.first { "key=key:…#${sha256Prefix("dev")}" in it } shouldNotContain "dev "
                lines.none { "key=key:dev " in it || "key=key:dev…" in it } shouldBe true
                lines.any { "key=key:dev-…#${sha256Prefix("dev-0123456789abcdef")}" in it } shouldBe true
                lines.none { "0123456789abcdef" in it } shouldBe true
            }
        }
    }

    test("violations are logged with key, route and policy, at most the configured lines per period") {
        val clock = MockClock()
        captured { log ->
            limitedApp(clock, configure = { violationLogLimit = 2; violationLogPeriod = Duration.ofSeconds(1) }) {
                repeat(3) { client.hit("/hello", "k") }
                repeat(10) { client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests }
                log.list shouldHaveSize 2
                log.list[0].formattedMessage.let {
                    // The API key itself is a credential: a one-character key is logged by its hash alone.
                    it shouldContain "key=key:…#${sha256Prefix("k")}"
                    it shouldContain "route=GET /hello"
                    it shouldContain "policy=small"
                }
                clock.advance(Duration.ofMillis(1_000))
                repeat(2) { client.hit("/hello", "k") }
                log.list shouldHaveSize 3
                log.list[2].formattedMessage shouldContain "(and 8 similar lines suppressed before this one)"
            }
        }
    }
})

private fun sha256Prefix(text: String): String =
    java.security.MessageDigest.getInstance("SHA-256").digest(text.toByteArray()).take(4).joinToString("") { "%02x".format(it) }
