package dev.limiter

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withData
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration

class RateSpec : FunSpec({
    context("accepted forms") {
        withData(
            nameFn = { "'${it.first}' is ${it.second} per ${it.third}" },
            Triple("10/s", 10L, Duration.ofSeconds(1)),
            Triple("1000/1h", 1000L, Duration.ofHours(1)),
            Triple("100 per minute", 100L, Duration.ofMinutes(1)),
            Triple("5/30s", 5L, Duration.ofSeconds(30)),
            Triple("2000 per day", 2000L, Duration.ofDays(1)),
            Triple(" 7 / 250ms ", 7L, Duration.ofMillis(250)),
            Triple("3 per 2 hours", 3L, Duration.ofHours(2)),
            Triple("1/m", 1L, Duration.ofMinutes(1)),
        ) { (text, amount, period) ->
            val rate = Rate.parse(text)
            rate.amount shouldBe amount
            rate.period shouldBe period
            Rate.parse(rate.toString()) shouldBe rate
        }
    }

    context("rejected text quotes the input and shows the accepted forms") {
        withData(nameFn = { "'$it'" }, "", "ten/s", "10/fortnight", "0/s", "10/0s", "-1/s", "10 per", "99999999999999999999/s", "10/400d") { text ->
            val error = shouldThrow<IllegalArgumentException> { Rate.parse(text) }
            error.message shouldContain "'$text'"
            error.message shouldContain "1000/1h"
        }
    }

    test("factories and equality") {
        Rate.perSecond(10) shouldBe Rate.parse("10/s")
        Rate.perMinute(100) shouldBe Rate.parse("100 per minute")
        Rate.perHour(1000) shouldBe Rate.parse("1000/1h")
        shouldThrow<IllegalArgumentException> { Rate.of(1, Duration.ZERO) }.message shouldContain "positive"
    }
})
