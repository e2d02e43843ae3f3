package dev.limiter.config.internal

import dev.limiter.RateLimits
import dev.limiter.config.ConfigStore
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/** Keeps a [RateLimits] on a [ConfigStore]'s latest version until closed. */
internal object ConfigFollower {
    fun start(limits: RateLimits, store: ConfigStore): AutoCloseable {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        scope.launch {
            store.current()?.let { limits.update(it.config) }
            store.updates().collect { limits.update(it.config) }
        }
        return AutoCloseable { scope.cancel() }
    }
}
