package dev.limiter.internal

import dev.limiter.BucketStore
import dev.limiter.Decision
import dev.limiter.KeyUsage
import dev.limiter.LimiterClock
import dev.limiter.SharedUsageStore
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * Usage counts of a [dev.limiter.RateLimits]: every decision is recorded here, per key, in
 * per-minute buckets; read per key and as the busiest keys, over the last [retentionMinutes]
 * minutes (the current one included).
 *
 * Without [shared] the buckets are this node's and are read directly. With [shared] (the
 * store pools usage, e.g. Redis) they are a buffer: [record] only adds to counters in memory,
 * a background loop moves them to [shared] every [flushMillis], and reads ask [shared], so
 * they see every node's counts up to about one flush interval late. A failed flush puts the
 * counts back and the next one retries. Minutes older than the retention are dropped, and a
 * minute tracks at most [maxKeysPerMinute] keys, so memory stays bounded.
 */
internal class EngineUsage(
    private val clock: LimiterClock,
    private val shared: SharedUsageStore?,
    val retentionMinutes: Int = DEFAULT_RETENTION_MINUTES,
    private val flushMillis: Long = DEFAULT_FLUSH_MILLIS,
    private val maxKeysPerMinute: Int = DEFAULT_MAX_KEYS_PER_MINUTE,
) : AutoCloseable {
    private class Counts {
        val allowed = AtomicLong()
        val rejected = AtomicLong()
        val permits = AtomicLong()
    }

    private val minutes = ConcurrentHashMap<Long, ConcurrentHashMap<String, Counts>>()
    private val flushing = AtomicBoolean()
    private val flushLock = Mutex()
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @Volatile
    private var newestMinute = Long.MIN_VALUE

    private class TopCache(val limit: Int, val atNanos: Long, val keys: List<KeyUsage>)

    @Volatile
    private var topCache: TopCache? = null

    @Volatile
    private var failing = false

    /** Counts one decision of [key] that asked for [permits]; never suspends, never touches the network. */
    fun record(key: String, decision: Decision, permits: Long) {
        val minute = currentMinute()
        val byKey = minutes[minute] ?: newMinute(minute)
        val counts = byKey[key] ?: if (byKey.size < maxKeysPerMinute) byKey.computeIfAbsent(key) { Counts() } else return
        if (decision.allowed) {
            counts.allowed.incrementAndGet()
            counts.permits.addAndGet(permits)
        } else {
            counts.rejected.incrementAndGet()
        }
        if (shared != null && !flushing.get() && flushing.compareAndSet(false, true)) startFlushing()
    }

    /** Returns [key]'s counts over the retention window: every node's when usage is shared. */
    suspend fun usage(key: String): KeyUsage {
        val now = currentMinute()
        shared?.let { return it.readUsage(key, now - retentionMinutes + 1, now) }
        var allowed = 0L
        var rejected = 0L
        var permits = 0L
        for ((minute, byKey) in minutes) {
            if (minute <= now - retentionMinutes) continue
            val c = byKey[key] ?: continue
            allowed += c.allowed.get(); rejected += c.rejected.get(); permits += c.permits.get()
        }
        return KeyUsage(key, allowed, rejected, permits)
    }

    /** Returns the [limit] keys with the most decisions over the retention window, busiest first (ties: key descending, as Redis ranks them). */
    suspend fun topKeys(limit: Int): List<KeyUsage> {
        require(limit >= 0) { "limit must be 0 or more, was $limit; use e.g. 10" }
        val now = currentMinute()
        if (shared != null) {
            // Ranking sums every minute of the window inside Redis (about 70 ms of Redis time for
            // 12,000 keys a minute over an hour), so a node asks at most once per TOP_CACHE_NANOS.
            val cached = topCache
            if (cached != null && cached.limit >= limit && clock.nowNanos() - cached.atNanos < TOP_CACHE_NANOS) return cached.keys.take(limit)
            return shared.readTopKeys(limit, now - retentionMinutes + 1, now).also { topCache = TopCache(limit, clock.nowNanos(), it) }
        }
        val sums = HashMap<String, LongArray>()
        for ((minute, byKey) in minutes) {
            if (minute <= now - retentionMinutes) continue
            for ((key, c) in byKey) {
                val s = sums.getOrPut(key) { LongArray(3) }
                s[0] += c.allowed.get(); s[1] += c.rejected.get(); s[2] += c.permits.get()
            }
        }
        return sums.entries
            .sortedWith(compareByDescending<Map.Entry<String, LongArray>> { it.value[0] + it.value[1] }.thenByDescending { it.key })
            .take(limit)
            .map { (key, s) -> KeyUsage(key, s[0], s[1], s[2]) }
    }

    /**
     * Moves every count recorded so far to the shared store; does nothing without one. On
     * failure the counts stay here for the next flush, and the failure propagates.
     */
    suspend fun flush() {
        val target = shared ?: return
        flushLock.withLock {
            val now = currentMinute()
            for ((minute, byKey) in minutes.entries.sortedBy { it.key }) {
                val batch = ArrayList<KeyUsage>()
                val taken = ArrayList<Pair<Counts, KeyUsage>>()
                for ((key, c) in byKey) {
                    val delta = KeyUsage(key, c.allowed.getAndSet(0), c.rejected.getAndSet(0), c.permits.getAndSet(0))
                    if (delta.total == 0L && delta.permitsGranted == 0L) continue
                    batch += delta
                    taken += c to delta
                }
                try {
                    if (batch.isNotEmpty()) target.addUsage(minute, batch, retentionMinutes)
                } catch (e: Throwable) {
                    for ((c, d) in taken) {
                        c.allowed.addAndGet(d.allowed); c.rejected.addAndGet(d.rejected); c.permits.addAndGet(d.permitsGranted)
                    }
                    throw e
                }
                // A past minute gets no more records (a decision is counted in the minute it is
                // made), so once it is flushed its counters can go.
                if (minute < now - 1) minutes.remove(minute)
            }
        }
    }

    /** Flushes at once and forgets the cached ranking, so the next read sees everything recorded so far. */
    suspend fun flushNow() {
        flush()
        topCache = null
    }

    private fun startFlushing() {
        scope.launch {
            while (isActive) {
                delay(flushMillis)
                try {
                    flush()
                    if (failing) {
                        failing = false
                        log.info("usage counts reach the shared store again")
                    }
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    if (!failing) log.warn("cannot flush usage counts to the shared store; keeping them and retrying: {}", e.toString())
                    failing = true
                }
            }
        }
    }

    private fun currentMinute(): Long = Math.floorDiv(clock.nowNanos(), NANOS_PER_MINUTE)

    private fun newMinute(minute: Long): ConcurrentHashMap<String, Counts> {
        val byKey = minutes.computeIfAbsent(minute) { ConcurrentHashMap() }
        if (minute > newestMinute) {
            newestMinute = minute
            // Local buckets are the only copy: keep the retention window. Shared buckets are a
            // buffer: drop only what has fallen out of the window unflushed (Redis was down).
            minutes.keys.removeIf { it <= minute - retentionMinutes }
        }
        return byKey
    }

    /** Stops the flush loop after a last flush (at most a second); unflushed counts of a failed flush are lost. */
    override fun close() {
        if (shared != null && flushing.get()) {
            scope.cancel()
            runCatching { runBlocking { withTimeoutOrNull(CLOSE_FLUSH_MILLIS) { flush() } } }
        } else {
            scope.cancel()
        }
    }

    companion object {
        const val DEFAULT_RETENTION_MINUTES = 60
        const val DEFAULT_FLUSH_MILLIS = 1_000L
        const val DEFAULT_MAX_KEYS_PER_MINUTE = 100_000
        private const val CLOSE_FLUSH_MILLIS = 1_000L
        private const val TOP_CACHE_NANOS = 5_000_000_000L
        private const val NANOS_PER_MINUTE = 60_000_000_000L
        private val log = LoggerFactory.getLogger(EngineUsage::class.java)

        /** Shares usage through [store] when it can pool counts ([SharedUsageStore]); per node otherwise. */
        fun forStore(store: BucketStore, clock: LimiterClock): EngineUsage = EngineUsage(clock, store as? SharedUsageStore)
    }
}
