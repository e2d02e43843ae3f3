package dev.limiter.ktor.internal

import dev.limiter.LimiterClock
import org.slf4j.Logger
import java.util.concurrent.atomic.AtomicLong

/**
 * Logs at most [limit] lines per [periodNanos] and counts the rest, so a flood of rejected
 * requests cannot flood the log; the first line of the next period reports how many were
 * suppressed.
 */
internal class SampledLog(
    private val logger: Logger,
    private val clock: LimiterClock,
    private val limit: Int,
    private val periodNanos: Long,
) {
    private val lock = Any()
    private var periodStart = Long.MIN_VALUE
    private var logged = 0
    private val suppressed = AtomicLong()

    /** Total lines suppressed since creation; for tests and metrics. */
    val suppressedTotal: AtomicLong = AtomicLong()

    fun warn(message: () -> String) {
        if (!logger.isWarnEnabled) return
        val now = clock.nowNanos()
        val carried: Long
        synchronized(lock) {
            if (periodStart == Long.MIN_VALUE || now - periodStart >= periodNanos) {
                periodStart = now
                logged = 0
            }
            if (logged >= limit) {
                suppressed.incrementAndGet()
                suppressedTotal.incrementAndGet()
                return
            }
            logged++
            carried = if (logged == 1) suppressed.getAndSet(0) else 0
        }
        if (carried > 0) logger.warn("{} (and {} similar lines suppressed before this one)", message(), carried)
        else logger.warn(message())
    }
}
