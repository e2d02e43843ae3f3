package dev.limiter.redis.internal

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import java.security.MessageDigest

/**
 * The Lua twin of each algorithm: the shared prelude `common.lua` followed by the
 * algorithm's own file, with its SHA-1 for `EVALSHA`.
 */
internal class LimiterScript(val algorithm: Algorithm, val source: String) {
    val sha: String = MessageDigest.getInstance("SHA-1").digest(source.toByteArray(Charsets.UTF_8))
        .joinToString("") { "%02x".format(it) }
}

internal object LimiterScripts {
    private val scripts: Map<Algorithm, LimiterScript> = Algorithm.entries.associateWith { algorithm ->
        LimiterScript(algorithm, resource("common.lua") + resource(fileName(algorithm)))
    }

    /** Weights of the sliding window counter are in thousandths, as in its Kotlin twin. */
    private const val WINDOW_COUNTER_SCALE = 1000L

    fun of(algorithm: Algorithm): LimiterScript = scripts.getValue(algorithm)

    /** The file holding [algorithm]'s twin: `token_bucket.lua` for `token-bucket`. */
    fun fileName(algorithm: Algorithm): String = algorithm.id.replace('-', '_') + ".lua"

    /** The algorithm's integer parameters, ARGV 6 onwards (see `common.lua`). */
    fun parameters(policy: LimitPolicy): Array<String> {
        val rate = policy.rate
        val gcd = gcd(rate.amount, rate.periodMicros)
        val unit = rate.periodMicros / gcd
        val gain = rate.amount / gcd
        return when (policy.algorithm) {
            Algorithm.TOKEN_BUCKET, Algorithm.LEAKY_BUCKET, Algorithm.GCRA ->
                arrayOf(policy.capacity.toString(), unit.toString(), gain.toString())
            Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_LOG ->
                arrayOf(policy.capacity.toString(), rate.periodMicros.toString())
            Algorithm.SLIDING_WINDOW_COUNTER ->
                arrayOf(policy.capacity.toString(), rate.periodMicros.toString(), WINDOW_COUNTER_SCALE.toString())
        }
    }

    private tailrec fun gcd(a: Long, b: Long): Long = if (b == 0L) a else gcd(b, a % b)

    private fun resource(name: String): String {
        val stream = LimiterScripts::class.java.getResourceAsStream("/dev/limiter/redis/$name")
            ?: error("missing script resource dev/limiter/redis/$name in limiter-redis.jar")
        return stream.use { it.readBytes().toString(Charsets.UTF_8) }
    }
}
