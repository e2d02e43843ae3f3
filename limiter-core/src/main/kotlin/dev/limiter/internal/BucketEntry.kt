package dev.limiter.internal

import dev.limiter.LimitPolicy
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.yield
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater

/**
 * A key's bucket and its lock. The lock is an int field of this object, [word], taken by
 * compare-and-set and released by a plain release store: no object to reach first, no
 * queue. Its holder never suspends, so holding is brief; a caller that must wait suspends
 * on [mutex] (one per entry, created on first need), which queues waiting coroutines, and
 * then spins for the word. Everything below is read and written with the word held.
 */
internal class BucketEntry(@JvmField var bucket: Bucket) {
    /** The lock word: 0 free, 1 held. */
    @Volatile
    @JvmField
    var word = 0

    @JvmField
    var removed = false

    /** The limiter's counters of this key, remembered to skip their map (see [UsageRecorder.countLocked]). */
    @JvmField
    var usage: UsageRecorder.KeyCounters? = null

    @Volatile
    private var waiters: Mutex? = null

    /** Queues the coroutines that wait for this entry; created when first needed. */
    val mutex: Mutex
        get() = waiters ?: synchronized(this) { waiters ?: Mutex().also { waiters = it } }

    /** The bucket under [policy]'s numbers, carried over when they changed; call with the lock held. */
    fun bucket(policy: LimitPolicy, now: Long): Bucket {
        val current = bucket
        if (current.policy === policy) return current
        return current.under(policy, now).also { bucket = it }
    }

    fun tryLock(): Boolean = word == 0 && WORD.compareAndSet(this, 0, 1)

    /**
     * Takes the word within a brief spin, at most [maxPauses] spin hints in all (about 25 µs
     * at the default on a current x86 core); false when another caller keeps it longer.
     */
    fun spinLock(maxPauses: Int = MAX_PAUSES): Boolean {
        if (WORD.compareAndSet(this, 0, 1)) return true
        // Between looks the spinner backs off, doubling its pause up to MAX_BACKOFF: each look
        // pulls the word's line to this core, and a holder that finds it gone pays a transfer
        // to release it; a holder left alone can also take the word again at once, as a winning
        // compare-and-set loop does. Measured on one key from two threads in
        // bench/local-results.md (fourth pass).
        var paused = 0
        var backoff = 1
        while (!tryLock()) {
            if (paused >= maxPauses) return false
            for (i in 0 until backoff) Thread.onSpinWait()
            paused += backoff
            if (backoff < MAX_BACKOFF) backoff = backoff shl 1
        }
        return true
    }

    fun release() = WORD.lazySet(this, 0)

    /** Takes the word for a suspending caller: at once when free, else queued on [mutex]. */
    suspend fun lock() {
        if (WORD.compareAndSet(this, 0, 1)) return
        val queue = mutex
        queue.lock()
        try {
            while (!spinLock()) yield()
        } catch (e: Throwable) {
            queue.unlock()
            throw e
        }
        holdsMutex = true
    }

    /** Releases what [lock] took. */
    fun unlock() {
        val queued = holdsMutex
        holdsMutex = false
        release()
        if (queued) mutex.unlock()
    }

    /** Whether the word's holder also holds [mutex]; written with the word held. */
    @JvmField
    var holdsMutex = false

    internal companion object {
        /** The spin budget of [spinLock], in spin hints: about 25 µs before the slow path. */
        const val MAX_PAUSES = 1024
        private const val MAX_BACKOFF = 64

        /** The spin budget for a lock taken while others are held: short, since they wait too. */
        const val HOLDING_PAUSES = 128
        private val WORD: AtomicIntegerFieldUpdater<BucketEntry> = AtomicIntegerFieldUpdater.newUpdater(BucketEntry::class.java, "word")
    }
}
