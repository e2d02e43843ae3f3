package dev.limiter.adaptive

import dev.limiter.RateLimits
import io.micrometer.core.instrument.Gauge
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Tag
import io.micrometer.core.instrument.binder.MeterBinder

/**
 * Exports an adaptive factor to Micrometer as the gauge `limiter.adaptive.factor` (1 when
 * unloaded, down to `minFactor` under load). Reading the gauge evaluates the factor when an
 * interval has passed, so a scraped registry keeps it current with no traffic.
 *
 * Over an [AdaptiveLimits], the gauge reads that one. Over a [RateLimits] engine, it reads
 * the engine's [RateLimits.adaptive] at each read, so it follows a hot reload that replaces
 * the adaptive limits, and reads NaN while the engine has none.
 *
 * Needs `io.micrometer:micrometer-core` on the classpath (an optional dependency of
 * limiter-core). [tags] are added to the gauge, e.g. `policies=free`.
 */
public class AdaptiveMetrics private constructor(
    private val source: () -> AdaptiveLimits?,
    private val tags: Iterable<Tag>,
) : MeterBinder {
    /** Exports [adaptive]'s factor, with [tags]. */
    @JvmOverloads
    public constructor(adaptive: AdaptiveLimits, tags: Iterable<Tag> = emptyList()) : this({ adaptive }, tags)

    /** Exports the factor of [engine]'s adaptive limits in force, whichever they are at each read, with [tags]. */
    @JvmOverloads
    public constructor(engine: RateLimits, tags: Iterable<Tag> = emptyList()) : this({ engine.adaptive }, tags)

    override fun bindTo(registry: MeterRegistry) {
        Gauge.builder(FACTOR, source) { it()?.factor ?: Double.NaN }
            .description("Share of their configured capacity and rate that adaptive policies allow now, from minFactor to 1")
            .tags(tags)
            .strongReference(true)
            .register(registry)
    }

    public companion object {
        /** Name of the factor gauge. */
        public const val FACTOR: String = "limiter.adaptive.factor"
    }
}
