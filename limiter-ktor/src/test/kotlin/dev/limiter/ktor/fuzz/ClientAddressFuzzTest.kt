package dev.limiter.ktor.fuzz

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import dev.limiter.ktor.internal.ClientAddress

/**
 * Fuzzes what the plugin reads from headers a caller writes: `Forwarded` and
 * `X-Forwarded-For` chains. None may throw, and no hop may come out blank or still holding a separator (it would be one bucket for
 * every caller that sends it).
 */
class ClientAddressFuzzTest {
    // The IP ranges the hops are matched against are core's CidrRange, fuzzed in TextParsersFuzzTest.
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
}
