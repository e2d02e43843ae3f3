package dev.limiter

import java.time.Duration

/**
 * How a [FaultTolerantBucketStore] decides when its backend is slow or gone.
 *
 * An immutable value; each `with…` method returns a copy with one setting changed. The
 * defaults: a 50 ms command timeout, 3 consecutive failures open the circuit, a probe every
 * second, and local buckets with each policy's full limits.
 */
public class FaultToleranceSettings private constructor(
    /** The longest a request waits on the backend; a slower answer counts as a failure. */
    public val commandTimeout: Duration,
    /** Consecutive failures (errors or timeouts) that open the circuit. */
    public val failuresBeforeOpening: Int,
    /** How long the circuit stays open before one request probes the backend again. */
    public val probeInterval: Duration,
    /**
     * The number of nodes expected to fall back at once: local buckets get `1 / localShare`
     * of each policy's capacity and rate, so the nodes together stay near the global limit.
     * 1 (the default) gives every node the full limits.
     */
    public val localShare: Int,
) {
    /** Builds the default settings: 50 ms timeout, 3 failures, 1 s probe interval, full local limits. */
    public constructor() : this(Duration.ofMillis(50), 3, Duration.ofSeconds(1), 1)

    /**
     * Returns these settings with requests waiting at most [timeout] on the backend.
     *
     * @throws IllegalArgumentException when [timeout] is not positive.
     */
    public fun withCommandTimeout(timeout: Duration): FaultToleranceSettings {
        require(!timeout.isNegative && !timeout.isZero) {
            "commandTimeout must be positive, was $timeout; use e.g. Duration.ofMillis(50)"
        }
        return FaultToleranceSettings(timeout, failuresBeforeOpening, probeInterval, localShare)
    }

    /**
     * Returns these settings opening the circuit after [failures] consecutive failures.
     *
     * @throws IllegalArgumentException when [failures] is less than 1.
     */
    public fun withFailuresBeforeOpening(failures: Int): FaultToleranceSettings {
        require(failures >= 1) { "failuresBeforeOpening must be at least 1, was $failures; use e.g. 3" }
        return FaultToleranceSettings(commandTimeout, failures, probeInterval, localShare)
    }

    /**
     * Returns these settings probing the backend every [interval] while the circuit is open.
     *
     * @throws IllegalArgumentException when [interval] is not positive.
     */
    public fun withProbeInterval(interval: Duration): FaultToleranceSettings {
        require(!interval.isNegative && !interval.isZero) {
            "probeInterval must be positive, was $interval; use e.g. Duration.ofSeconds(1)"
        }
        return FaultToleranceSettings(commandTimeout, failuresBeforeOpening, interval, localShare)
    }

    /**
     * Returns these settings giving local buckets `1 / nodes` of each limit.
     *
     * @throws IllegalArgumentException when [nodes] is less than 1.
     */
    public fun withLocalShare(nodes: Int): FaultToleranceSettings {
        require(nodes >= 1) { "localShare must be at least 1 (the number of nodes sharing the limit), was $nodes" }
        return FaultToleranceSettings(commandTimeout, failuresBeforeOpening, probeInterval, nodes)
    }

    override fun toString(): String = "FaultToleranceSettings(commandTimeout=$commandTimeout, " +
        "failuresBeforeOpening=$failuresBeforeOpening, probeInterval=$probeInterval, localShare=$localShare)"
}

/** Where a [FaultTolerantBucketStore]'s decisions come from right now. */
public enum class BackendState {
    /** The backend answers: decisions come from it (circuit closed). */
    PRIMARY,

    /** The backend failed: decisions come from the fallback mode, nothing waits on the backend (circuit open). */
    FALLBACK,

    /** The probe interval has passed: one request tries the backend, the others still fall back (half open). */
    PROBING,
}

/**
 * A store that can say where its decisions come from; metrics tag `limiter.requests` with
 * `backend = primary | fallback` from it, and `/health` reports it.
 */
public interface BackendStateSource {
    /** Where decisions come from right now; [BackendState.PRIMARY] while the backend answers. */
    public val backendState: BackendState
}

/** Told about every change of a [FaultTolerantBucketStore]'s [BackendState], once per change. */
public fun interface BackendStateListener {
    /** Called when the state goes from [previous] to [current]; [cause] is the failure that opened the circuit, if any. */
    public fun onStateChange(previous: BackendState, current: BackendState, cause: Throwable?)
}

/**
 * Thrown by a store in [FaultToleranceMode.NONE] when its backend fails or answers later than
 * the command timeout; [cause] is the backend's error.
 */
public class BackendUnavailableException(message: String, cause: Throwable?) : RuntimeException(message, cause)
