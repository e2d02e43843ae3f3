package dev.limiter

import java.time.Duration

/**
 * Counts across every key of a limiter since it was created, on this node.
 *
 * Counts are of requests, not permits. [averageWait] and [maxWait] cover granted waiters of
 * `acquire` and `queueRequest`; they are zero when nothing waited.
 */
public class UsageStats(
    /** Requests granted. */
    public val allowed: Long,
    /** Requests denied (limited, queue full, timed out or deny-listed). */
    public val rejected: Long,
    /** Requests that had to wait in the queue (granted or not). */
    public val queued: Long,
    /** Waiters that gave up at their `maxWait`. */
    public val timedOut: Long,
    /** Waiters in the queue right now. */
    public val queueDepth: Int,
    /** Mean wait of the requests that waited and were granted. */
    public val averageWait: Duration,
    /** Longest wait of a request that waited and was granted. */
    public val maxWait: Duration,
    /** Distinct keys this node has counts for (bounded; idle keys are forgotten). */
    public val trackedKeys: Int,
) {
    /** Requests decided: [allowed] + [rejected]. */
    public val total: Long get() = allowed + rejected

    override fun toString(): String = "UsageStats(allowed=$allowed, rejected=$rejected, queued=$queued, " +
        "timedOut=$timedOut, queueDepth=$queueDepth, averageWait=$averageWait, maxWait=$maxWait, trackedKeys=$trackedKeys)"
}

/** Counts for one key on this node; zero for a key never seen (or forgotten after idling). */
public class KeyUsage(
    /** The key counted. */
    public val key: String,
    /** Requests granted. */
    public val allowed: Long,
    /** Requests denied. */
    public val rejected: Long,
    /** Permits granted (requests weighted by cost). */
    public val permitsGranted: Long,
) {
    /** Requests decided: [allowed] + [rejected]. */
    public val total: Long get() = allowed + rejected

    override fun equals(other: Any?): Boolean = other is KeyUsage && other.key == key &&
        other.allowed == allowed && other.rejected == rejected && other.permitsGranted == permitsGranted

    override fun hashCode(): Int = listOf(key, allowed, rejected, permitsGranted).hashCode()

    override fun toString(): String =
        "KeyUsage(key=$key, allowed=$allowed, rejected=$rejected, permitsGranted=$permitsGranted)"
}

/** Thrown by every operation of a closed limiter, and to waiters pending when it closes. */
public class LimiterClosedException(message: String) : IllegalStateException(message)
