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

    test("violations are logged with key, route and policy, at most the configured lines per period") {
        val clock = MockClock()
        captured { log ->
            limitedApp(clock, configure = { violationLogLimit = 2; violationLogPeriod = Duration.ofSeconds(1) }) {
                repeat(3) { client.hit("/hello", "k") }
                repeat(10) { client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests }
                log.list shouldHaveSize 2
                log.list[0].formattedMessage.let {
                    // The API key itself is a credential: only a prefix and a hash are logged.
                    it shouldContain "key=key:k…#${sha256Prefix("k")}"
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
