package dev.limiter.internal

import dev.limiter.BackendState
import dev.limiter.BackendStateListener
import dev.limiter.LimiterClock
import org.slf4j.LoggerFactory
import java.util.concurrent.CopyOnWriteArrayList

/**
 * Closed while the backend answers; open after [failuresBeforeOpening] consecutive failures;
 * after [probeIntervalNanos] open, lets exactly one request probe (half open) and closes on
 * its success or reopens on its failure. Time comes from [clock].
 *
 * Thread-safe; every transition is logged once and reported to the listeners once.
 */
internal class CircuitBreaker(
    private val clock: LimiterClock,
    private val failuresBeforeOpening: Int,
    private val probeIntervalNanos: Long,
    private val name: String,
) {
    private val lock = Any()
    private var state = BackendState.PRIMARY
    private var failures = 0
    private var openedAt = 0L
    private val listeners = CopyOnWriteArrayList<BackendStateListener>()

    val current: BackendState get() = synchronized(lock) { state }

    fun addListener(listener: BackendStateListener) {
        listeners += listener
    }

    /** How a request may use the backend. */
    enum class Pass {
        /** Not at all: the circuit is open, or another request is probing. */
        NONE,

        /** As usual: the circuit is closed. */
        NORMAL,

        /** As the one probe of a half-open circuit. */
        PROBE,
    }

    /** Whether this request may go to the backend; in [BackendState.PROBING], only the one probe may. */
    fun tryPass(): Pass {
        val change = synchronized(lock) {
            when (state) {
                BackendState.PRIMARY -> return Pass.NORMAL
                BackendState.PROBING -> return Pass.NONE
                BackendState.FALLBACK -> {
                    if (clock.nowNanos() - openedAt < probeIntervalNanos) return Pass.NONE
                    state = BackendState.PROBING
                    Transition(BackendState.FALLBACK, BackendState.PROBING, null)
                }
            }
        }
        announce(change)
        return Pass.PROBE
    }

    /** Whether requests are kept off the backend right now: open with no probe due, or another request probing. */
    fun isShortCircuited(): Boolean = synchronized(lock) {
        state == BackendState.PROBING ||
            (state == BackendState.FALLBACK && clock.nowNanos() - openedAt < probeIntervalNanos)
    }

    /** Gives the probe back unanswered (its caller went away): the next request probes instead. */
    fun abandonProbe() {
        synchronized(lock) {
            if (state == BackendState.PROBING) state = BackendState.FALLBACK
        }
    }

    fun onSuccess() {
        val change = synchronized(lock) {
            failures = 0
            if (state == BackendState.PRIMARY) return
            val previous = state
            state = BackendState.PRIMARY
            Transition(previous, BackendState.PRIMARY, null)
        }
        announce(change)
    }

    fun onFailure(cause: Throwable) {
        val change = synchronized(lock) {
            failures++
            when {
                state == BackendState.PROBING || (state == BackendState.PRIMARY && failures >= failuresBeforeOpening) -> {
                    val previous = state
                    state = BackendState.FALLBACK
                    openedAt = clock.nowNanos()
                    Transition(previous, BackendState.FALLBACK, cause)
                }
                else -> return
            }
        }
        announce(change)
    }

    private class Transition(val from: BackendState, val to: BackendState, val cause: Throwable?)

    private fun announce(change: Transition) {
        when (change.to) {
            BackendState.FALLBACK -> log.warn("{}: backend failing ({}), circuit open: {} -> {}", name, change.cause.toString(), change.from, change.to)
            BackendState.PROBING -> log.info("{}: probing the backend: {} -> {}", name, change.from, change.to)
            BackendState.PRIMARY -> log.info("{}: backend answers again, circuit closed: {} -> {}", name, change.from, change.to)
        }
        for (listener in listeners) {
            try {
                listener.onStateChange(change.from, change.to, change.cause)
            } catch (e: RuntimeException) {
                log.warn("{}: backend state listener failed", name, e)
            }
        }
    }

    private companion object {
        private val log = LoggerFactory.getLogger(CircuitBreaker::class.java)
    }
}
