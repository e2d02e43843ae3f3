package dev.limiter.adaptive

import io.micrometer.core.instrument.Gauge
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Tag
import io.micrometer.core.instrument.binder.MeterBinder

/**
 * Exports an [AdaptiveLimits] factor to Micrometer as the gauge `limiter.adaptive.factor`
 * (1 when unloaded, down to `minFactor` under load). Reading the gauge evaluates the factor
 * when an interval has passed, so a scraped registry keeps it current with no traffic.
 *
 * Needs `io.micrometer:micrometer-core` on the classpath (an optional dependency of
 * limiter-core). [tags] are added to the gauge, e.g. `policies=free`.
 */
public class AdaptiveMetrics @JvmOverloads constructor(
    private val adaptive: AdaptiveLimits,
    private val tags: Iterable<Tag> = emptyList(),
) : MeterBinder {
    override fun bindTo(registry: MeterRegistry) {
        Gauge.builder(FACTOR, adaptive) { it.factor }
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
