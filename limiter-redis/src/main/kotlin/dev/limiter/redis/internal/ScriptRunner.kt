package dev.limiter.redis.internal

import io.lettuce.core.RedisNoScriptException
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands

/**
 * Runs a [LimiterScript] in one `EVALSHA`.
 *
 * Scripts are not loaded ahead: the first `EVALSHA` on a node that lacks the script fails
 * with `NOSCRIPT`, and the runner then sends `EVAL` with the source, which both answers and
 * caches the script on that node. The same path covers a Redis restart, a failover to a
 * replica that never saw the script and `SCRIPT FLUSH`: one extra round trip, then back to
 * `EVALSHA`.
 */
internal class ScriptRunner(private val commands: RedisClusterCoroutinesCommands<String, String>) {
    suspend fun run(script: LimiterScript, keys: Array<String>, args: Array<String>): List<Any?> {
        val reply: List<Any?>? = try {
            commands.evalsha(script.sha, ScriptOutputType.MULTI, keys, *args)
        } catch (_: RedisNoScriptException) {
            commands.eval(script.source, ScriptOutputType.MULTI, keys, *args)
        }
        return checkNotNull(reply) { "script ${script.name} returned nothing" }
    }
}
