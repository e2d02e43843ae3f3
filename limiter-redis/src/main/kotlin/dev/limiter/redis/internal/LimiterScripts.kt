package dev.limiter.redis.internal

import dev.limiter.LimitPolicy
import dev.limiter.LimitPolicy.Algorithm
import java.security.MessageDigest

/** A Lua script with its SHA-1 for `EVALSHA`. */
internal class LimiterScript(val name: String, val source: String) {
    val sha: String = MessageDigest.getInstance("SHA-1").digest(source.toByteArray(Charsets.UTF_8))
        .joinToString("") { "%02x".format(it) }
}

/**
 * The script a decision runs: the shared prelude `common.lua`, the Lua twin of each algorithm
 * its levels use as a local function (`token_bucket.lua` defines `token_bucket` and its
 * refund), the tables naming them, and the entry point `limiter.lua`, which decides one level
 * or all levels of a request at once. Composed from the files, so each algorithm exists once.
 *
 * One script per set of algorithms (at most 63), built on first use: Redis runs a script's
 * whole chunk on every call, so a script holding only the twins a request needs does not pay
 * for defining the others (about a quarter of a one-level call's time inside Redis).
 */
internal object LimiterScripts {
    private val files: Map<Algorithm, String> = Algorithm.entries.associateWith { resource(fileName(it)) }
    private val common = resource("common.lua")
    private val entry = resource("limiter.lua")
    private val scripts = arrayOfNulls<LimiterScript>(1 shl Algorithm.entries.size)

    /** The script holding the twins of [algorithms], given as a bit set of ordinals. */
    fun forAlgorithms(algorithms: Int): LimiterScript = scripts[algorithms] ?: compose(algorithms).also { scripts[algorithms] = it }

    private fun compose(algorithms: Int): LimiterScript {
        val chosen = Algorithm.entries.filter { algorithms and (1 shl it.ordinal) != 0 }
        fun table(name: String, suffix: String) = chosen.joinToString(", ", "local $name = { ", " }\n") {
            "['${it.id}'] = ${fileName(it).removeSuffix(".lua")}$suffix"
        }
        val source = common + chosen.joinToString("") { files.getValue(it) } + table("decide", "") + table("refund", "_refund") + entry
        return LimiterScript("limiter(" + chosen.joinToString(",") { it.id } + ")", source)
    }

    /** Weights of the sliding window counter are in thousandths, as in its Kotlin twin. */
    private const val WINDOW_COUNTER_SCALE = 1000L

    /** ARGV fields per level (see `limiter.lua`): the policy, then the permits. */
    const val LEVEL_ARGS = 2

    /** The file holding [algorithm]'s twin: `token_bucket.lua` for `token-bucket`. */
    fun fileName(algorithm: Algorithm): String = algorithm.id.replace('-', '_') + ".lua"

    /**
     * A level's policy as the script reads it, `algorithm:tagged:a:b:c`: the algorithm id,
     * '1' when its state records its numbers (named policies) else '0', then the three
     * parameters ('' when unused). One string per level, parsed once per script call.
     */
    fun level(policy: LimitPolicy): String {
        val rate = policy.rate
        val gcd = gcd(rate.amount, rate.periodMicros)
        val unit = rate.periodMicros / gcd
        val gain = rate.amount / gcd
        val (a, b, c) = when (policy.algorithm) {
            Algorithm.TOKEN_BUCKET, Algorithm.LEAKY_BUCKET, Algorithm.GCRA ->
                Triple(policy.capacity.toString(), unit.toString(), gain.toString())
            Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_LOG ->
                Triple(policy.capacity.toString(), rate.periodMicros.toString(), "")
            Algorithm.SLIDING_WINDOW_COUNTER ->
                Triple(policy.capacity.toString(), rate.periodMicros.toString(), WINDOW_COUNTER_SCALE.toString())
        }
        return "${policy.algorithm.id}:${if (policy.name != null) "1" else "0"}:$a:$b:$c"
    }

    private tailrec fun gcd(a: Long, b: Long): Long = if (b == 0L) a else gcd(b, a % b)

    private fun resource(name: String): String {
        val stream = LimiterScripts::class.java.getResourceAsStream("/dev/limiter/redis/$name")
            ?: error("missing script resource dev/limiter/redis/$name in limiter-redis.jar")
        return stream.use { it.readBytes().toString(Charsets.UTF_8) }
    }
}
