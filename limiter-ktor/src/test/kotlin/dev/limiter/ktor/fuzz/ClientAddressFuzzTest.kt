package dev.limiter.ktor.fuzz

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import dev.limiter.ktor.internal.ClientAddress
import dev.limiter.config.internal.CidrRange

/**
 * Fuzzes what the plugin reads from headers a caller writes: `Forwarded` and
 * `X-Forwarded-For` chains, and the IP ranges they are matched against. Neither may throw,
 * and no hop may come out blank or still holding a separator (it would be one bucket for
 * every caller that sends it).
 */
class ClientAddressFuzzTest {

    @FuzzTest(maxDuration = "10s")
    fun forwardedChain(data: FuzzedDataProvider) {
        val useForwarded = data.consumeBoolean()
        val headers = List(data.consumeInt(1, 3)) { data.consumeString(200) }
        val chain = if (useForwarded) ClientAddress.forwardedChain(headers, null) else ClientAddress.forwardedChain(null, headers)
        chain?.forEach { hop ->
            check(hop.isNotBlank()) { "blank hop from $headers" }
            check(',' !in hop) { "hop '$hop' still holds a separator, from $headers" }
        }
    }

    @FuzzTest(maxDuration = "10s")
    fun ipRange(data: FuzzedDataProvider) {
        val text = data.consumeString(100)
        val probe = data.consumeRemainingAsString()
        val range = CidrRange.parse(text) ?: return
        range.contains(probe)
        check(CidrRange.parse(range.toString())?.toString() == range.toString()) { "'$text' gave $range, which does not read back" }
    }
}
