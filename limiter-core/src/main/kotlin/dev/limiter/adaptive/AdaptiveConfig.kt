package dev.limiter.adaptive

import dev.limiter.LimiterClock
import java.time.Duration

/**
 * The `adaptive:` section of a limits config: which load to follow, how the factor moves, and
 * which named policies it scales.
 *
 * ```yaml
 * adaptive: { signal: cpu, high: 0.8, low: 0.6, min-factor: 0.25, interval: 1s, policies: [free] }
 * ```
 *
 * [createLimits] builds the [AdaptiveLimits] to hand to `RateLimits.adapt` with [policies].
 *
 * @throws IllegalArgumentException when [signals] or [policies] is empty, when a latency
 * signal has no [latencyTarget], or when [errorThreshold] is outside `(0, 1]`.
 */
public class AdaptiveConfig @JvmOverloads constructor(
    /** The signals whose highest load counts; never empty. */
    signals: List<Signal>,
    /** Names of the policies the factor scales; each is a policy of the config. */
    policies: Set<String>,
    /** How the factor moves. */
    public val settings: AdaptiveSettings = AdaptiveSettings(),
    /** The response time that reads as a load of 1, for [Signal.LATENCY]; `null` without it. */
    public val latencyTarget: Duration? = null,
    /** The failure rate that reads as a load of 1, for [Signal.ERROR_RATE]. */
    public val errorThreshold: Double = 0.1,
) {
    /** The built-in signals a config can name; [id] is the YAML name. */
    public enum class Signal(public val id: String) {
        /** [LoadSignal.cpu]. */
        CPU("cpu"),

        /** [LoadSignal.heap]. */
        HEAP("heap"),

        /** [LoadSignal.latency] against [latencyTarget]. */
        LATENCY("latency"),

        /** [LoadSignal.errorRate] with [errorThreshold]. */
        ERROR_RATE("error-rate");

        public companion object {
            /** Returns the signal whose [id] is [id], or `null`. */
            @JvmStatic
            public fun fromId(id: String): Signal? = entries.firstOrNull { it.id == id }
        }
    }

    /** The signals whose highest load counts, without repeats. */
    public val signals: List<Signal> = signals.distinct()

    /** Names of the policies the factor scales. */
    public val policies: Set<String> = policies.toSet()

    init {
        require(this.signals.isNotEmpty()) { "adaptive signal must name at least one of ${Signal.entries.joinToString { it.id }}" }
        require(this.policies.isNotEmpty()) { "adaptive policies must name at least one policy to scale, such as [free]" }
        require(Signal.LATENCY !in this.signals || latencyTarget != null) {
            "adaptive latency-target is missing; the latency signal needs one, such as 250ms"
        }
        require(latencyTarget == null || latencyTarget >= Duration.ofMillis(1)) { "adaptive latency-target must be at least 1ms, was $latencyTarget" }
        require(errorThreshold > 0.0 && errorThreshold <= 1.0) {
            "adaptive error-threshold must be a failure rate in (0, 1], such as 0.1, was $errorThreshold"
        }
    }

    /** Returns the load signal these [signals] describe: one of them, or [LoadSignal.max] of all. */
    @JvmOverloads
    public fun createSignal(clock: LimiterClock = LimiterClock.SYSTEM): LoadSignal {
        val built = signals.map {
            when (it) {
                Signal.CPU -> LoadSignal.cpu()
                Signal.HEAP -> LoadSignal.heap()
                Signal.LATENCY -> LoadSignal.latency(latencyTarget!!, clock = clock)
                Signal.ERROR_RATE -> LoadSignal.errorRate(errorThreshold, clock = clock)
            }
        }
        return built.singleOrNull() ?: LoadSignal.max(*built.toTypedArray())
    }

    /** Returns a new [AdaptiveLimits] over [createSignal] with [settings], on [clock]. */
    @JvmOverloads
    public fun createLimits(clock: LimiterClock = LimiterClock.SYSTEM): AdaptiveLimits =
        AdaptiveLimits(createSignal(clock), settings, clock)

    override fun equals(other: Any?): Boolean = other is AdaptiveConfig && other.signals == signals &&
        other.policies == policies && other.settings == settings && other.latencyTarget == latencyTarget &&
        other.errorThreshold == errorThreshold

    override fun hashCode(): Int = listOf(signals, policies, settings, latencyTarget, errorThreshold).hashCode()

    override fun toString(): String =
        "AdaptiveConfig(signals=${signals.map { it.id }}, policies=$policies, $settings, latencyTarget=$latencyTarget, errorThreshold=$errorThreshold)"
}
