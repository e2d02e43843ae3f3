package dev.limiter.ktor

import io.ktor.server.application.ApplicationCall
import kotlin.time.Duration

/**
 * Makes calls over the limit wait up to [maxWait] for a permit instead of being answered 429
 * at once; waiters are served by [priority] (higher first), first come first served within a
 * priority.
 *
 * A call still waiting at [maxWait], or one whose earliest possible grant already lies beyond
 * it, is answered 429. Waiting happens in the limiter's queue on this node; with a shared
 * store the permits themselves stay global.
 */
public class QueueMode(
    /** The longest a call waits for its permits; must be positive. */
    @get:JvmSynthetic public val maxWait: Duration,
    /**
     * Computes a call's priority, for example from its tier or a header; `null` to use the
     * plugin's `queuePriority` (0 unless configured).
     */
    public val priority: ((ApplicationCall) -> Int)? = null,
) {
    init {
        require(maxWait.isPositive()) { "maxWait must be positive, was $maxWait; use e.g. 2.seconds" }
    }
}
