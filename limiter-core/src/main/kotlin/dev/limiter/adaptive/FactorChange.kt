package dev.limiter.adaptive

import java.time.Instant

/**
 * One move of an [AdaptiveLimits] factor: from [from] to [to] at [at], because the load read
 * [load]; [reason] says it in words, such as
 * `load 0.930 above high 0.800: factor 1.000 -> 0.750`.
 */
public class FactorChange(
    /** The factor before the change. */
    public val from: Double,
    /** The factor after the change. */
    public val to: Double,
    /** The load that moved it. */
    public val load: Double,
    /** When it moved, on the limiter's clock. */
    public val at: Instant,
    /** Why it moved: the load against the watermark it crossed, and the factor's step. */
    public val reason: String,
) {
    override fun equals(other: Any?): Boolean = other is FactorChange && other.from == from && other.to == to &&
        other.load == load && other.at == at && other.reason == reason

    override fun hashCode(): Int = listOf(from, to, load, at, reason).hashCode()

    override fun toString(): String = "FactorChange($reason at $at)"
}

/** Told of every change of an [AdaptiveLimits] factor, on the thread that evaluated it. */
public fun interface AdaptiveListener {
    /** Called once per change, after the new factor is in force. */
    public fun onChange(change: FactorChange)
}
