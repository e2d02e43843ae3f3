package dev.limiter.fuzz

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import dev.limiter.Rate
import dev.limiter.config.internal.CidrRange
import dev.limiter.config.internal.DurationText
import java.time.Duration

/**
 * Fuzzes the parsers of short texts a user or a caller writes: rates, durations, CIDR ranges.
 * Each may only answer or throw its documented [IllegalArgumentException]; what it answers
 * must read back as itself. `./mvnw verify` replays `TextParsersFuzzTestInputs`; with
 * `-Djazzer.fuzz=true` one target fuzzes for its `maxDuration`.
 */
class TextParsersFuzzTest {

    @FuzzTest(maxDuration = "10s")
    fun rateParse(data: FuzzedDataProvider) {
        val text = data.consumeRemainingAsString()
        val rate = try {
            Rate.parse(text)
        } catch (e: IllegalArgumentException) {
            check(e.message!!.startsWith("invalid rate ")) { "undocumented message: ${e.message}" }
            return
        }
        check(rate.amount >= 1 && rate.periodMicros >= 1) { "'$text' gave $rate" }
        check(Rate.parse(rate.toString()) == rate) { "'$text' gave $rate, which does not read back" }
    }

    @FuzzTest(maxDuration = "10s")
    fun durationParse(data: FuzzedDataProvider) {
        val text = data.consumeRemainingAsString()
        val duration = try {
            DurationText.parse(text)
        } catch (e: IllegalArgumentException) {
            return
        }
        check(!duration.isNegative && !duration.isZero && duration <= Duration.ofDays(366)) { "'$text' gave $duration" }
        check(DurationText.parse(DurationText.format(duration)) == duration) { "'$text' gave $duration, which does not read back" }
    }

    @FuzzTest(maxDuration = "10s")
    fun cidrRange(data: FuzzedDataProvider) {
        val text = data.consumeString(200)
        val probe = data.consumeRemainingAsString()
        val problem = CidrRange.problem(text)
        val range = CidrRange.parse(text)
        check((problem == null) == (range != null)) { "'$text': problem=$problem but range=$range" }
        val address = CidrRange.parseAddress(probe)
        if (range != null && address != null) range.contains(address)
    }
}
