package dev.limiter.redis.internal

import dev.limiter.BucketRequest
import dev.limiter.LimitPolicy
import dev.limiter.redis.internal.RedisScriptStore.Companion.INSPECT_FIELDS
import dev.limiter.redis.internal.RedisScriptStore.Companion.TAKE_FIELDS
import dev.limiter.redis.internal.RedisScriptStore.Companion.long
import io.lettuce.core.cluster.SlotHash

/**
 * The levels of one request on a Redis Cluster, grouped by the slot their keys fall in: a
 * script may only touch keys of one slot, so each group runs its own script.
 *
 * Groups are charged one after another, each all-or-nothing in its own script; the group
 * holding the request's last level goes last (the engine lists the `global` ceiling last).
 * When a group refuses, every group charged before it gets its permits back (a refund script
 * per group, see the algorithms' `*_refund` functions), and the groups after it are only
 * inspected. What this guarantees and what it cannot:
 *
 * - The last level is decided atomically in its own script and never refunded, so a
 *   ceiling listed last never admits more than its limit, and is never charged for a
 *   request another level refused.
 * - Between a group's charge and its refund (one round trip), its buckets hold permits of a
 *   request that will be refused: a concurrent request on those buckets may be refused in
 *   that moment although it would have fit afterwards.
 * - A refund gives back exactly the permits taken while the bucket still holds them: a token
 *   or leaky bucket is capped at full (or empty) — permits refilled since the charge fill it
 *   first; a window that has ended since the charge has freed them already, so nothing is
 *   given back there; a sliding window counter takes them from the window they now weigh
 *   in; a sliding window log from the entry the charge made. A refund that fails (Redis
 *   gone) leaves the charge in place: the level's key pays for a refused request.
 */
internal class SlotGroups(
    private val requests: List<BucketRequest>,
    stateKey: (String, LimitPolicy) -> String,
) {
    private val groups: List<List<Int>> = run {
        val bySlot = LinkedHashMap<Int, MutableList<Int>>()
        for ((i, r) in requests.withIndex()) bySlot.getOrPut(SlotHash.getSlot(stateKey(r.key, r.policy))) { ArrayList() } += i
        val last = bySlot.values.first { requests.lastIndex in it }
        bySlot.values.filter { it !== last } + listOf(last)
    }

    /** Decides the request; returns a reply laid out as one script's, in request order. */
    suspend fun decide(store: RedisScriptStore, nowMicros: Long): List<Any?> {
        val reply = arrayOfNulls<Any>(1 + TAKE_FIELDS * requests.size)
        val charged = ArrayList<Pair<List<Int>, Long>>()
        for ((g, group) in groups.withIndex()) {
            val answer = store.run(group.map { requests[it] }, RedisScriptStore.MODE_TAKE, "", nowMicros)
            copy(answer, TAKE_FIELDS, group, reply)
            if (reply[0] == null) reply[0] = answer[0]
            if (group.indices.all { answer.long(it, 0) == 1L }) {
                charged += group to (answer[0] as Number).toLong()
                continue
            }
            var failure: Exception? = null
            for ((earlier, at) in charged) {
                try {
                    store.run(earlier.map { requests[it] }, RedisScriptStore.MODE_REFUND, at.toString(), nowMicros)
                } catch (e: Exception) {
                    failure = failure ?: e
                }
            }
            failure?.let { throw it }
            for (later in groups.drop(g + 1)) {
                copy(store.run(later.map { requests[it] }, RedisScriptStore.MODE_INSPECT, "", nowMicros), INSPECT_FIELDS, later, reply)
            }
            break
        }
        return reply.asList()
    }

    /** Copies a take's four numbers per level from [answer], whose levels hold [width] numbers each. */
    private fun copy(answer: List<Any?>, width: Int, group: List<Int>, reply: Array<Any?>) {
        for ((j, i) in group.withIndex()) {
            for (f in 0 until TAKE_FIELDS) reply[1 + i * TAKE_FIELDS + f] = answer[1 + j * width + f]
        }
    }
}
