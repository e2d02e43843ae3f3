package dev.limiter.redis.internal

import dev.limiter.KeyUsage
import dev.limiter.SharedUsageStore
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands

/**
 * Pools every node's usage counts in Redis, one set of keys per minute:
 * `<prefix>:{usage:all}:<minute>:n`, a sorted set of keys by decisions (what [readTopKeys]
 * ranks), and two hashes holding only what most keys lack: `:r` rejections and `:x` permits
 * granted beyond one per allowed request. A key busy every minute costs one sorted-set entry
 * per minute, plus a hash field when it was refused or paid more than one permit.
 *
 * Every minute's keys expire [retention][addUsage] plus two minutes after their last write,
 * and each flush deletes the minutes that fell out of the window on the engine's clock, so
 * memory stays bounded under real and mock time alike. All keys share one hash tag, so the
 * scripts that sum over minutes run on one Redis Cluster node.
 */
internal class RedisUsageStore(
    private val commands: RedisClusterCoroutinesCommands<String, String>,
    prefix: String,
) : SharedUsageStore {
    private val base = "$prefix:{usage:all}:"

    private fun keys(minute: Long): List<String> = listOf("$base$minute:n", "$base$minute:r", "$base$minute:x")

    override suspend fun addUsage(minute: Long, counts: List<KeyUsage>, retentionMinutes: Int) {
        val ttlSeconds = ((retentionMinutes + 2L) * 60).toString()
        val stale = (minute - retentionMinutes - TRIM_BACK..minute - retentionMinutes).flatMap(::keys)
        for (chunk in counts.chunked(CHUNK)) {
            val args = ArrayList<String>(1 + chunk.size * 4)
            args += ttlSeconds
            for (c in chunk) {
                args += c.key
                args += c.total.toString()
                args += c.rejected.toString()
                args += (c.permitsGranted - c.allowed).toString()
            }
            commands.eval<Long>(ADD, ScriptOutputType.INTEGER, (keys(minute) + stale).toTypedArray(), *args.toTypedArray())
        }
    }

    override suspend fun readUsage(key: String, fromMinute: Long, toMinute: Long): KeyUsage {
        val keys = (fromMinute..toMinute).flatMap(::keys).toTypedArray()
        val reply = commands.eval<List<Any?>>(READ, ScriptOutputType.MULTI, keys, key) ?: return KeyUsage(key, 0, 0, 0)
        return usage(key, reply[0], reply[1], reply[2])
    }

    override suspend fun readTopKeys(limit: Int, fromMinute: Long, toMinute: Long): List<KeyUsage> {
        if (limit <= 0) return emptyList()
        val minutes = (fromMinute..toMinute).map(::keys)
        val keys = listOf("$base$toMinute:top-tmp") + minutes.map { it[0] } + minutes.map { it[1] } + minutes.map { it[2] }
        val reply = commands.eval<List<Any?>>(TOP, ScriptOutputType.MULTI, keys.toTypedArray(), limit.toString(), minutes.size.toString())
            ?: return emptyList()
        return reply.chunked(4).map { (key, total, rejected, extra) -> usage(key.toString(), total, rejected, extra) }
            .sortedWith(compareByDescending<KeyUsage> { it.total }.thenByDescending { it.key })
    }

    private fun usage(key: String, total: Any?, rejected: Any?, extra: Any?): KeyUsage {
        val t = number(total)
        val r = number(rejected)
        val allowed = t - r
        return KeyUsage(key, allowed, r, allowed + number(extra))
    }

    private fun number(value: Any?): Long = when (value) {
        null -> 0
        is Number -> value.toLong()
        else -> value.toString().toDouble().toLong()
    }

    override fun toString(): String = "RedisUsageStore($base*)"

    private companion object {
        /** Keys per script call: a flush of 12,000 keys holds Redis for a few milliseconds at a time, not one long stretch. */
        const val CHUNK = 2_000

        /** Minutes before the window's start a flush deletes, in case the engine's clock jumped. */
        const val TRIM_BACK = 2

        val ADD = """
            local i = 2
            while i <= #ARGV do
              local key, total, rejected, extra = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
              if total ~= 0 then redis.call('ZINCRBY', KEYS[1], total, key) end
              if rejected ~= 0 then redis.call('HINCRBY', KEYS[2], key, rejected) end
              if extra ~= 0 then redis.call('HINCRBY', KEYS[3], key, extra) end
              i = i + 4
            end
            for k = 1, 3 do redis.call('EXPIRE', KEYS[k], ARGV[1]) end
            for k = 4, #KEYS do redis.call('DEL', KEYS[k]) end
            return 1
        """.trimIndent()

        val READ = """
            local total, rejected, extra = 0, 0, 0
            for k = 1, #KEYS, 3 do
              total = total + tonumber(redis.call('ZSCORE', KEYS[k], ARGV[1]) or 0)
              rejected = rejected + tonumber(redis.call('HGET', KEYS[k + 1], ARGV[1]) or 0)
              extra = extra + tonumber(redis.call('HGET', KEYS[k + 2], ARGV[1]) or 0)
            end
            return { tostring(total), tostring(rejected), tostring(extra) }
        """.trimIndent()

        val TOP = """
            local limit, m = tonumber(ARGV[1]), tonumber(ARGV[2])
            local sets = {}
            for i = 1, m do sets[i] = KEYS[1 + i] end
            redis.call('ZUNIONSTORE', KEYS[1], m, unpack(sets))
            local top = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1, 'WITHSCORES')
            redis.call('DEL', KEYS[1])
            local out = {}
            for j = 1, #top, 2 do
              local key, rejected, extra = top[j], 0, 0
              for i = 1, m do
                rejected = rejected + tonumber(redis.call('HGET', KEYS[1 + m + i], key) or 0)
                extra = extra + tonumber(redis.call('HGET', KEYS[1 + 2 * m + i], key) or 0)
              end
              out[#out + 1] = key
              out[#out + 1] = top[j + 1]
              out[#out + 1] = tostring(rejected)
              out[#out + 1] = tostring(extra)
            end
            return out
        """.trimIndent()
    }
}
