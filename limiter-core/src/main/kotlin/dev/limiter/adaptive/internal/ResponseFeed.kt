package dev.limiter.adaptive.internal

import java.time.Duration

/** A signal fed by responses: the latency and error-rate signals, and [LoadSignal.max][dev.limiter.adaptive.LoadSignal.max] over them. */
internal interface ResponseFeed {
    fun record(duration: Duration, failed: Boolean)
}
