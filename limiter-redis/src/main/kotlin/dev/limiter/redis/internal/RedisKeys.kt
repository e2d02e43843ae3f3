package dev.limiter.redis.internal

import dev.limiter.LimitPolicy
import java.security.MessageDigest
import java.util.Base64

/**
 * Names a bucket's Redis keys: `<prefix>:{<policy>:<key>}` plus suffixes for its companions.
 *
 * Everything that follows the prefix sits inside one hash tag, so a bucket's keys share one
 * cluster slot and one script can touch them all. The policy part is 8 characters of a
 * SHA-256 of the policy's bucket identity: a named policy's name and algorithm
 * (`free|token-bucket`), so that its buckets survive a change of its numbers (the scripts
 * read state written under other numbers safely); an unnamed policy's behaviour
 * ([LimitPolicy.id]), so different unnamed policies never share state. The user's key is escaped so that it cannot end the hash tag or fake a separator:
 * every character outside `[A-Za-z0-9._@-]` becomes `%XX` of its UTF-8 bytes (WTF-8 for an
 * unpaired surrogate). Escaping is
 * one-to-one; an escaped key longer than [MAX_ESCAPED] characters is replaced by `#` and the
 * Base64 of its SHA-256, which no escaped key can equal since `#` is always escaped.
 */
internal class RedisKeys(private val prefix: String) {
    // Keyed by the policy (whose equality ignores its name) and the name.
    private val policyTags = java.util.concurrent.ConcurrentHashMap<Pair<LimitPolicy, String?>, String>()

    /** The bucket's state key. */
    fun state(policy: LimitPolicy, key: String): String = "$prefix:{${policyTag(policy)}:${escape(key)}}"

    /** Every key of one bucket: state, usage counters, auxiliary state. */
    fun all(policy: LimitPolicy, key: String): Array<String> {
        val state = state(policy, key)
        return arrayOf(state, "$state:u", "$state:n")
    }

    /** A pattern matching every key of this store, for `SCAN`. */
    fun pattern(): String = "$prefix:{*"

    private fun policyTag(policy: LimitPolicy): String =
        policyTags.getOrPut(policy to policy.name) { hash(identity(policy)).substring(0, 8) }

    companion object {
        const val MAX_ESCAPED = 64

        /** Whose buckets [policy] owns: `name|algorithm` when named, else its [LimitPolicy.id] (which holds no `|`). */
        fun identity(policy: LimitPolicy): String =
            policy.name?.let { "$it|${policy.algorithm.id}" } ?: policy.id
        private const val HEX = "0123456789ABCDEF"

        fun escape(key: String): String {
            val out = StringBuilder(key.length + 8)
            for (byte in wtf8(key)) {
                val c = byte.toInt() and 0xFF
                if (c.isSafe()) {
                    out.append(c.toChar())
                } else {
                    out.append('%').append(HEX[c shr 4]).append(HEX[c and 0xF])
                }
                if (out.length > MAX_ESCAPED) return "#" + hash(key)
            }
            return out.toString()
        }

        private fun Int.isSafe(): Boolean = this in 'a'.code..'z'.code || this in 'A'.code..'Z'.code ||
            this in '0'.code..'9'.code || this == '.'.code || this == '_'.code || this == '-'.code || this == '@'.code

        private fun hash(text: String): String = Base64.getUrlEncoder().withoutPadding()
            .encodeToString(MessageDigest.getInstance("SHA-256").digest(wtf8(text)))

        /**
         * The UTF-8 bytes of [text], except that an unpaired surrogate gets the three bytes of
         * its own code point (WTF-8) instead of the `?` Java's encoder puts there: with `?`,
         * the keys `"\uD800"` and `"?"` shared a bucket (found by `RedisKeysFuzzTest`). The
         * three bytes are never valid UTF-8, so no well-formed key changes or collides.
         */
        private fun wtf8(text: String): ByteArray {
            if (!hasLoneSurrogate(text)) return text.toByteArray(Charsets.UTF_8)
            val out = java.io.ByteArrayOutputStream(text.length * 3)
            var i = 0
            while (i < text.length) {
                val c = text[i]
                val pair = c.isHighSurrogate() && i + 1 < text.length && text[i + 1].isLowSurrogate()
                if (c.isSurrogate() && !pair) {
                    out.write(0xE0 or (c.code shr 12)); out.write(0x80 or ((c.code shr 6) and 0x3F)); out.write(0x80 or (c.code and 0x3F))
                    i++
                } else {
                    val end = if (pair) i + 2 else i + 1
                    out.write(text.substring(i, end).toByteArray(Charsets.UTF_8))
                    i = end
                }
            }
            return out.toByteArray()
        }

        private fun hasLoneSurrogate(text: String): Boolean {
            var i = 0
            while (i < text.length) {
                val c = text[i]
                if (c.isHighSurrogate() && i + 1 < text.length && text[i + 1].isLowSurrogate()) i += 2
                else if (c.isSurrogate()) return true
                else i++
            }
            return false
        }
    }
}
