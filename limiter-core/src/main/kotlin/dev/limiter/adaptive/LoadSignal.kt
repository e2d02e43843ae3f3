package dev.limiter.adaptive

import dev.limiter.LimiterClock
import dev.limiter.adaptive.internal.HeapSignal
import dev.limiter.adaptive.internal.MaxSignal
import dev.limiter.adaptive.internal.CpuSignal
import java.time.Duration

/**
 * How loaded the service is: 0 when idle, 1 when saturated; may exceed 1.
 *
 * [AdaptiveLimits] reads it once per interval. Any function will do; the built-ins read the
 * JVM ([cpu], [heap]) or the responses the service gives ([latency], [errorRate]), and [max]
 * combines several so that the most loaded resource decides.
 */
public fun interface LoadSignal {
    /** Returns the load now: 0 idle, 1 saturated, above 1 overloaded. */
    public fun load(): Double

    public companion object {
        /**
         * The machine's CPU use, from 0 to 1: the JVM's `OperatingSystemMXBean.getCpuLoad()`
         * (all processes, all cores, since the previous reading). 0 when the JVM cannot tell.
         */
        @JvmStatic
        public fun cpu(): LoadSignal = CpuSignal.system()

        /**
         * The share of the heap still in use after the last garbage collection, from 0 to 1:
         * the collection usage of the heap's memory pools over the heap's maximum. Garbage not
         * yet collected does not count, so the signal does not swing with every allocation;
         * before the first collection it reads 0.
         */
        @JvmStatic
        public fun heap(): LoadSignal = HeapSignal.jvm()

        /**
         * Response times against [target]: the 90th percentile over the last [window] divided
         * by [target] (see [LatencySignal]). Feed it with [LatencySignal.record], or through
         * [AdaptiveLimits.recordResponse], which the Ktor plugin calls for every response.
         */
        @JvmStatic
        @JvmOverloads
        public fun latency(target: Duration, window: Duration = DEFAULT_WINDOW, clock: LimiterClock = LimiterClock.SYSTEM): LatencySignal =
            LatencySignal(target, window, clock)

        /**
         * The share of failed responses over the last [window] divided by [threshold], so a
         * failure rate of [threshold] reads 1; 0 below [minRequests] responses (see
         * [ErrorRateSignal]). Feed it with [ErrorRateSignal.record], or through
         * [AdaptiveLimits.recordResponse].
         */
        @JvmStatic
        @JvmOverloads
        public fun errorRate(
            threshold: Double = 0.1,
            window: Duration = DEFAULT_WINDOW,
            minRequests: Int = 20,
            clock: LimiterClock = LimiterClock.SYSTEM,
        ): ErrorRateSignal = ErrorRateSignal(threshold, window, minRequests, clock)

        /**
         * The highest load of [signals]: the most loaded resource decides. Responses recorded
         * through [AdaptiveLimits.recordResponse] reach every latency and error-rate signal
         * among [signals].
         *
         * @throws IllegalArgumentException when [signals] is empty.
         */
        @JvmStatic
        public fun max(vararg signals: LoadSignal): LoadSignal {
            require(signals.isNotEmpty()) { "LoadSignal.max needs at least one signal, such as LoadSignal.max(LoadSignal.cpu(), LoadSignal.heap())" }
            return MaxSignal(signals.toList())
        }

        /** The window of [latency] and [errorRate] when none is given: 10 seconds. */
        @JvmField
        public val DEFAULT_WINDOW: Duration = Duration.ofSeconds(10)
    }
}
