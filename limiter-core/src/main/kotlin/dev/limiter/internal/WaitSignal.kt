package dev.limiter.internal

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.locks.LockSupport
import kotlin.coroutines.resume

/**
 * Wakes one queued waiter, whether it is a suspended coroutine or a parked thread.
 *
 * A wake that arrives while nobody sleeps is kept (one, not counted) and ends the next sleep at
 * once, so a wake between "is it my turn?" and "sleep" is never lost. Waking costs one
 * compare-and-set and a resume or an unpark; no channel, no coroutine.
 */
internal open class WaitSignal : AtomicReference<Any?>(null), Runnable {
    // The value: null when awake with no wake pending; WOKEN when a wake is pending; else the
    // sleeping continuation or thread. Extending AtomicReference saves an object per waiter.
    private val state: AtomicReference<Any?> get() = this

    /** Wakes the sleeper, or makes its next sleep end at once. */
    fun wake() {
        while (true) {
            val s = state.get()
            when {
                s === WOKEN -> return
                s == null -> if (state.compareAndSet(null, WOKEN)) return
                s is Thread -> if (state.compareAndSet(s, WOKEN)) return LockSupport.unpark(s)
                else -> if (state.compareAndSet(s, null)) {
                    @Suppress("UNCHECKED_CAST")
                    return (s as CancellableContinuation<Unit>).resume(Unit)
                }
            }
        }
    }

    /** Whether a wake is pending: the next sleep would end at once. */
    fun isPending(): Boolean = state.get() === WOKEN

    /** The timer's callback: the same as [wake]. */
    override fun run(): Unit = wake()

    /** Suspends until woken; returns at once if a wake is pending. */
    suspend fun await() {
        if (state.compareAndSet(WOKEN, null)) return
        suspendCancellableCoroutine { cont ->
            if (state.compareAndSet(null, cont)) {
                cont.invokeOnCancellation { state.compareAndSet(cont, null) }
            } else {
                state.set(null) // a wake arrived meanwhile
                cont.resume(Unit)
            }
        }
    }

    /** Takes a pending wake, if any: for a waiter that watched [isPending] instead of sleeping. */
    fun takeWake(): Boolean = state.compareAndSet(WOKEN, null)

    /**
     * Parks the calling thread until woken, interrupted, or [nanos] have passed (0: no limit);
     * may return early, so callers re-check their condition.
     */
    fun park(nanos: Long) {
        if (state.compareAndSet(WOKEN, null)) return
        val thread = Thread.currentThread()
        if (!state.compareAndSet(null, thread)) {
            state.set(null)
            return
        }
        if (nanos == 0L) LockSupport.park(this) else LockSupport.parkNanos(this, nanos)
        if (!state.compareAndSet(thread, null)) state.set(null) // consume the wake that unparked us
    }

    private companion object {
        val WOKEN = Any()
    }
}
