package dev.limiter.adaptive

import dev.limiter.LimiterClock
import dev.limiter.adaptive.internal.Factor
import dev.limiter.adaptive.internal.ResponseFeed
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory
import java.time.Duration
import java.time.Instant
import java.util.Locale
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration.Companion.nanoseconds

/**
 * A factor in `[minFactor, 1]` that follows [signal] by AIMD with hysteresis: each
 * `settings.interval`, a load above `high` multiplies it by `decrease`, a load below `low`
 * adds `increase`, and a load in between leaves it alone, so a load that settles between the
 * watermarks never makes it oscillate.
 *
 * No thread of its own is needed: reading [factor] evaluates the signal when an interval has
 * passed on [clock], so tests move a mock or virtual clock and read the exact path. The
 * evaluations sit on a fixed grid (`start + n * interval`); when no one read the factor for
 * several intervals, the signal is read once and the factor takes one step, since the loads
 * of the missed intervals are unknown. [start] evaluates in the background instead, so that
 * the factor moves (and is logged) with no traffic at all.
 *
 * Every change is logged once at INFO with its reason, kept as [lastChange] and passed to the
 * listeners. A signal that throws or answers NaN leaves the factor where it is (logged at
 * WARN). Safe for any number of threads: one evaluation runs per interval.
 */
public class AdaptiveLimits @JvmOverloads constructor(
    private val signal: LoadSignal,
    /** How the factor moves. */
    public val settings: AdaptiveSettings = AdaptiveSettings(),
    private val clock: LimiterClock = LimiterClock.SYSTEM,
) {
    private class State(val permille: Int, val change: FactorChange?)

    private val intervalNanos = settings.interval.toNanos()
    private val nextDue = AtomicLong(clock.nowNanos() + intervalNanos)
    private val listeners = CopyOnWriteArrayList<AdaptiveListener>()

    @Volatile
    private var state = State(Factor.ONE, null)

    /** The factor in force: 1 when unloaded, never below `settings.minFactor`; evaluates first when an interval has passed. */
    public val factor: Double get() = Factor.toDouble(current().permille)

    /** The last change of the factor, or `null` while it has never moved. */
    public val lastChange: FactorChange? get() = current().change

    /** Why the factor stands where it does: the reason of [lastChange], or that it never moved. */
    public val reason: String get() = current().change?.reason ?: "factor 1.000: the load has not crossed high ${settings.high}"

    /**
     * Calls [listener] on every change from now on, until the returned handle is closed.
     */
    public fun addListener(listener: AdaptiveListener): AutoCloseable {
        listeners += listener
        return AutoCloseable { listeners -= listener }
    }

    /**
     * Feeds a response to the latency and error-rate signals within [signal] (directly or
     * through [LoadSignal.max]); does nothing for other signals. The Ktor plugin calls this
     * for every response it times.
     */
    public fun recordResponse(duration: Duration, failed: Boolean) {
        (signal as? ResponseFeed)?.record(duration, failed)
    }

    /**
     * Evaluates in a coroutine of [scope] at every interval, until [scope] or the returned job
     * is cancelled; waits with the scope's `delay`, so a test scheduler's virtual time drives it.
     */
    public fun start(scope: CoroutineScope): Job = scope.launch {
        while (isActive) {
            val wait = nextDue.get() - clock.nowNanos()
            if (wait > 0) delay(wait.nanoseconds)
            current()
        }
    }

    private fun current(): State {
        val now = clock.nowNanos()
        if (now >= nextDue.get()) advanceTo(now)
        return state
    }

    // Under the lock, so that a reader who finds an interval due never returns the factor from
    // before that interval's step while another reader is still taking it (a lost race for the
    // step used to answer the old factor). Readers before the due time stay lock-free.
    // The due time moves only after the step, so a reader who sees the new due time also sees
    // the new factor.
    @Synchronized
    private fun advanceTo(now: Long) {
        val due = nextDue.get()
        if (now < due) return
        try {
            evaluate(now)
        } finally {
            nextDue.set(due + ((now - due) / intervalNanos + 1) * intervalNanos)
        }
    }

    // Synchronized so that a signal slower than the interval cannot interleave two steps.
    @Synchronized
    private fun evaluate(now: Long) {
        val load = try {
            signal.load()
        } catch (e: Exception) {
            log.warn("load signal {} failed; the adaptive factor stays at {}", signal, Factor.format(state.permille), e)
            return
        }
        if (load.isNaN()) {
            log.warn("load signal {} answered NaN; the adaptive factor stays at {}", signal, Factor.format(state.permille))
            return
        }
        val from = state.permille
        val to = when {
            load > settings.high -> maxOf(settings.minPermille, from * settings.decreasePermille / Factor.ONE)
            load < settings.low -> minOf(Factor.ONE, from + settings.increasePermille)
            else -> from
        }
        if (to == from) return
        val watermark = if (to < from) "above high ${settings.high}" else "below low ${settings.low}"
        val reason = String.format(Locale.ROOT, "load %.3f %s: factor %s -> %s", load, watermark, Factor.format(from), Factor.format(to))
        val change = FactorChange(Factor.toDouble(from), Factor.toDouble(to), load, instant(now), reason)
        state = State(to, change)
        log.info("adaptive limits: {}", reason)
        for (listener in listeners) {
            try {
                listener.onChange(change)
            } catch (e: Exception) {
                log.warn("adaptive listener {} failed on {}", listener, change, e)
            }
        }
    }

    override fun toString(): String = "AdaptiveLimits(factor=${Factor.format(state.permille)}, signal=$signal, $settings)"

    private companion object {
        val log = LoggerFactory.getLogger(AdaptiveLimits::class.java)

        fun instant(nanos: Long): Instant = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L))
    }
}
