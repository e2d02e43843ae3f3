package dev.limiter.adaptive

/**
 * How loaded the service is: 0 when idle, 1 when saturated; may exceed 1.
 */
public fun interface LoadSignal {
    /** Returns the load now: 0 idle, 1 saturated, above 1 overloaded. */
    public fun load(): Double
}
