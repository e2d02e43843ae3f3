package dev.limiter

import io.micrometer.core.instrument.FunctionCounter
import io.micrometer.core.instrument.Gauge
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Tag
import io.micrometer.core.instrument.binder.MeterBinder

/**
 * Exports a store's backend to Micrometer: the gauge `limiter.backend.state` (1 while
 * decisions come from the primary, 0 while they fall back or probe) for any
 * [BackendStateSource] (a `RedisBucketStore` with fault tolerance enabled, a
 * [FaultTolerantBucketStore]), and for a [FaultTolerantBucketStore] also the counter
 * `limiter.backend.fallback.decisions`.
 *
 * Needs `io.micrometer:micrometer-core` on the classpath (an optional dependency of
 * limiter-core). [tags] are added to both meters, e.g. `store=redis`.
 */
public class FaultToleranceMetrics @JvmOverloads constructor(
    private val store: BackendStateSource,
    private val tags: Iterable<Tag> = emptyList(),
) : MeterBinder {
    override fun bindTo(registry: MeterRegistry) {
        Gauge.builder(STATE, store) { if (it.backendState == BackendState.PRIMARY) 1.0 else 0.0 }
            .description("1 while rate-limit decisions come from the primary backend, 0 while they fall back")
            .tags(tags)
            .register(registry)
        val tolerant = store as? FaultTolerantBucketStore ?: return
        FunctionCounter.builder(FALLBACK_DECISIONS, tolerant) { it.fallbackDecisions.toDouble() }
            .description("Rate-limit decisions answered without the primary backend")
            .tags(tags)
            .register(registry)
    }

    public companion object {
        /** Name of the backend state gauge. */
        public const val STATE: String = "limiter.backend.state"

        /** Name of the fallback decisions counter. */
        public const val FALLBACK_DECISIONS: String = "limiter.backend.fallback.decisions"
    }
}
