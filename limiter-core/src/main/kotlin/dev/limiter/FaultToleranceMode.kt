package dev.limiter

/** What a remote store does while its backend is unreachable. */
public enum class FaultToleranceMode {
    /** Decide from local buckets with the same policies until the backend answers again. */
    LOCAL,

    /** Allow every request while the backend is unreachable. */
    FAIL_OPEN,

    /** Deny every request with [DenyReason.BACKEND_UNAVAILABLE] while the backend is unreachable. */
    FAIL_CLOSED,

    /** No fault tolerance: backend errors reach the caller as exceptions. */
    NONE,
}
