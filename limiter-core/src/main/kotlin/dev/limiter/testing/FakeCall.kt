package dev.limiter.testing

import dev.limiter.Decision
import java.time.Duration

/**
 * One call made to a [FakeRateLimiter], as the code under test made it.
 *
 * Fields that an operation does not take are `null`: [permits] for queries without permits,
 * [priority] and [maxWait] for operations that never wait, [decision] for queries (and for a
 * request a script had no answer for). `acquire` is recorded with priority 0, like the real
 * limiter treats it; an unbounded wait is recorded as `ChronoUnit.FOREVER.getDuration()`.
 */
public data class FakeCall(
    /** What was called. */
    val operation: Operation,
    /** The key asked about. */
    val key: String,
    /** The permits asked for; `null` for [Operation.TOKEN_COUNT], [Operation.REMAINING_QUOTA] and [Operation.RESET]. */
    val permits: Long?,
    /** The priority of a waiting request; `null` unless [operation] waits. */
    val priority: Int?,
    /** How long the request was willing to wait; `null` unless [operation] waits. */
    val maxWait: Duration?,
    /** The answer the fake gave to a permit request; `null` for queries. */
    val decision: Decision?,
) {
    /** The operations a [FakeRateLimiter] records. */
    public enum class Operation {
        /** `tryAcquire`: take permits now. */
        TRY_ACQUIRE,

        /** `acquire`: wait for permits. */
        ACQUIRE,

        /** `queueRequest`: wait for permits by priority (both forms). */
        QUEUE_REQUEST,

        /** `tokenCount` (Java: `getTokenCount`). */
        TOKEN_COUNT,

        /** `remainingQuota` (Java: `getRemainingQuota`). */
        REMAINING_QUOTA,

        /** `nextAvailableTimestamp`. */
        NEXT_AVAILABLE_TIMESTAMP,

        /** `reset`. */
        RESET,
    }
}
