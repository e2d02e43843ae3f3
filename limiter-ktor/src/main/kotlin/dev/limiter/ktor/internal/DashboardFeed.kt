package dev.limiter.ktor.internal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.shareIn
import kotlin.time.Duration

/**
 * One stream of dashboard snapshots shared by every viewer: a snapshot is taken once per
 * [tick] however many viewers collect [snapshots], and only while at least one does.
 *
 * Ticks are measured with `delay`, so a test running on virtual time (`runTest`) moves them
 * by hand. A new viewer gets the latest snapshot at once, then every later one; once the last viewer
 * leaves, the stale snapshot is dropped. Each start
 * (first viewer after none) takes a fresh sampler, whose first snapshot reports rates of 0.
 */
internal class DashboardFeed(scope: CoroutineScope, tick: Duration, newSampler: () -> DashboardSampler) {
    val snapshots: SharedFlow<DashboardSnapshot> = flow {
        val sampler = newSampler()
        while (true) {
            emit(sampler.sample())
            delay(tick)
        }
    }.shareIn(scope, SharingStarted.WhileSubscribed(replayExpirationMillis = 0), replay = 1)
}
