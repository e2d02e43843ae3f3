package dev.limiter.redis.fuzz

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.internal.RedisKeys
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Test

/**
 * Fuzzes the one place a caller's key becomes part of a Redis key. An escaped key stays
 * inside its hash tag (no `{`, `}` or `:`), stays short, and two different keys never escape
 * to the same text: a collision would be two callers sharing one bucket.
 */
class RedisKeysFuzzTest {
    private val keys = RedisKeys("limiter")
    private val policy = LimitPolicy.of(LimitPolicy.Algorithm.TOKEN_BUCKET, 10, Rate.parse("10/s"))

    @FuzzTest(maxDuration = "10s")
    fun escape(data: FuzzedDataProvider) {
        val a = data.consumeString(100)
        val b = data.consumeRemainingAsString()
        val escaped = RedisKeys.escape(a)
        check(escaped.length <= RedisKeys.MAX_ESCAPED + 1 + 43) { "'$a' escaped to ${escaped.length} characters" }
        check(escaped.none { it == '{' || it == '}' || it == ':' }) { "'$a' escaped to '$escaped'" }
        check(escaped.all { it.code in 0x21..0x7e }) { "'$a' escaped to non-printable '$escaped'" }
        if (a != b) check(escaped != RedisKeys.escape(b)) { "'$a' and '$b' share the escaped key '$escaped'" }
        val state = keys.state(policy, a)
        check(state.startsWith("limiter:{") && state.endsWith("}") && state.count { it == '{' } == 1) { "state key '$state' for '$a'" }
    }

    @Test
    fun `a lone surrogate and a question mark escape to different keys`() {
        // Java's UTF-8 encoder writes '?' for a lone surrogate, so both were %3F (same bucket).
        assertNotEquals(RedisKeys.escape("?"), RedisKeys.escape("\uD800"))
        assertNotEquals(RedisKeys.escape("a?"), RedisKeys.escape("a\uDC00"))
        assertEquals("%ED%A0%80", RedisKeys.escape("\uD800"))
        assertEquals("%F0%9F%98%80", RedisKeys.escape("\uD83D\uDE00"))
    }
}
