package dev.limiter

import java.time.Duration
import java.time.temporal.ChronoUnit

/**
 * Receives every decision a limiter makes; how metrics are fed without coupling the core to
 * a metrics library. Implementations must be fast and must not throw.
 *
 * Java implements it directly (every method has a default):
 * `new LimiterListener() { public void onDecision(LimitPolicy p, Decision d, Duration waited, boolean queued) {...} }`.
 */
public interface LimiterListener {
    /**
     * Called once per decided request. [waited] is how long the request waited in the queue;
     * [Duration.ZERO] (the same instance every time, so the path that does not queue allocates
     * nothing) for requests that did not queue.
     */
    public fun onDecision(policy: LimitPolicy, decision: Decision, waited: Duration, queued: Boolean) {}

    /** Called when the number of waiters changes. */
    public fun onQueueDepth(policy: LimitPolicy, depth: Int) {}

    public companion object {
        /** A listener that ignores everything. */
        @JvmField
        public val NONE: LimiterListener = object : LimiterListener {}

        /** Returns [micros] as a [Duration]: the shared [Duration.ZERO] for 0 or less, so no decision that did not wait allocates one. */
        internal fun waited(micros: Long): Duration =
            if (micros <= 0) Duration.ZERO else Duration.of(micros, ChronoUnit.MICROS)
    }
}
