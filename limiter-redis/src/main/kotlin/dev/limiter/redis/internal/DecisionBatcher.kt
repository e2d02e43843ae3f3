package dev.limiter.redis.internal

import dev.limiter.BucketRequest
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

/**
 * Sends the decisions a node makes concurrently to Redis together: one script call for a
 * whole batch of requests, each still decided all-or-nothing on its own, in order.
 *
 * No timer and no waiting window: a request goes out at once, in its own call, while fewer
 * than [maxInFlight] calls are on their way, so a lone request costs exactly one round trip
 * and no added latency. Only while the connection is busy do requests queue; the moment a
 * call comes back, everything queued (up to [maxBatch] requests) leaves in the next call.
 * Under load the number of calls therefore follows Redis's speed, not the number of
 * requests, which lifts the ceiling of one `EVALSHA` per decision.
 *
 * [runScript] runs the script over the given requests' levels with ARGV 5 set to the batch
 * description (`''` for one request), returning each request's reply in order.
 */
internal class DecisionBatcher(
    private val maxInFlight: Int,
    private val maxBatch: Int,
    private val clientTime: Boolean,
    private val encode: (List<BucketRequest>) -> EncodedLevels,
    private val runScript: suspend (parts: List<EncodedLevels>, batch: String, nowMicros: Long) -> List<Any?>,
) {
    /** A queued request and its caller, resumed with the reply (no Deferred: a caller awaits just one answer). */
    private class Pending(val levels: EncodedLevels, val nowMicros: Long, val caller: CancellableContinuation<List<Any?>>)

    // No lock: callers and the returning calls meet on a lock-free queue and a count of the
    // calls on their way. A lock here was contended by every caller and the I/O thread, and
    // each contended release woke a parked thread.
    private val inFlight = AtomicInteger()
    private val queue = ConcurrentLinkedQueue<Pending>()

    // Unconfined: a batch is sent from the thread whose call just came back, without a hop.
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined)

    /**
     * Decides [requests] (the levels of one request); returns the script's reply for it.
     *
     * The call is sent, and its reply handled, by a coroutine of its own on the unconfined
     * scope: it sends from the caller's thread at once, and when the reply arrives it runs on
     * the client's I/O thread, hands the reply over and sends whatever queued meanwhile from
     * there. The next batch never waits for a caller's thread to be scheduled again.
     */
    suspend fun take(requests: List<BucketRequest>, nowMicros: Long): List<Any?> {
        val levels = encode(requests)
        return suspendCancellableCoroutine { caller ->
            // A caller that gives up (a fault-tolerance timeout, say) is answered otherwise;
            // its continuation is then cancelled, and [sendQueued] drops its request unsent.
            queue.add(Pending(levels, nowMicros, caller))
            sendQueued()
        }
    }

    /**
     * Sends what is queued while fewer than [maxInFlight] calls are on their way: a lone
     * request at once, in its own call; under load, everything queued meanwhile (up to
     * [maxBatch] requests) in one call. Requests whose callers gave up while queued are
     * dropped unsent, so nothing is charged for them.
     *
     * Whoever queues a request, or frees a slot, calls this afterwards, so a request never
     * stays queued while a slot is free: either its own caller or the call that came back
     * last takes it.
     */
    private fun sendQueued() {
        while (true) {
            val calls = inFlight.get()
            if (calls >= maxInFlight || queue.isEmpty()) return
            if (!inFlight.compareAndSet(calls, calls + 1)) continue
            val batch = ArrayList<Pending>(BATCH_CAPACITY)
            while (batch.size < maxBatch) {
                val p = queue.poll() ?: break
                if (!p.caller.isCancelled) batch += p
            }
            if (batch.isEmpty()) {
                inFlight.decrementAndGet()
                continue
            }
            scope.launch { send(batch) }
            return
        }
    }

    /** A call came back: its slot goes to the queued requests, if any. */
    private fun finished() {
        inFlight.decrementAndGet()
        sendQueued()
    }

    private suspend fun send(batch: List<Pending>) {
        var answered = 0
        try {
            val reply = runScript(batch.map { it.levels }, describe(batch), batch[0].nowMicros)
            var offset = 0
            for (p in batch) {
                val size = 1 + RedisScriptStore.TAKE_FIELDS * p.levels.levels
                // A caller cancelled after its request left is not resumed: its answer is ignored.
                p.caller.resume(reply.subList(offset, offset + size))
                answered++
                offset += size
            }
        } catch (e: Throwable) {
            for (i in answered until batch.size) batch[i].caller.resumeWithException(e)
        } finally {
            finished()
        }
    }

    /** ARGV 5 for [batch]: `''` for a lone request, else each request's level count (and time). */
    private fun describe(batch: List<Pending>): String {
        if (batch.size == 1) return ""
        val description = StringBuilder(batch.size * 4)
        for (p in batch) {
            if (description.isNotEmpty()) description.append(',')
            description.append(p.levels.levels)
            if (clientTime) description.append('@').append(p.nowMicros)
        }
        return description.toString()
    }

    private companion object {
        /** Room first made for a batch; it grows past this under heavy load (sizing it from the queue would walk it). */
        const val BATCH_CAPACITY = 16
    }
}
