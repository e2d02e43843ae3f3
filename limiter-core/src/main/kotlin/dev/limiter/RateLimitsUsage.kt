@file:JvmName("RateLimitsUsage")

package dev.limiter

import kotlinx.coroutines.future.future
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import java.util.concurrent.CompletableFuture

/**
 * Moves this node's usage counts recorded so far to the shared store at once, instead of at
 * the next flush (about a second); does nothing when usage is per node. For tests and before
 * a node stops. The next [RateLimits.topKeys] reads the store again rather than a ranking
 * this node cached (for up to 5 seconds).
 */
public suspend fun RateLimits.flushUsage() {
    usageTracker.flushNow()
}

/** Java form of [RateLimits.usage]: [key]'s counts over the usage window, cluster-wide when the store shares usage. */
public fun RateLimits.usageAsync(key: String): CompletableFuture<KeyUsage> = javaScope.future { usage(key) }

/** Java form of [RateLimits.topKeys]: the [limit] busiest keys, busiest first. */
public fun RateLimits.topKeysAsync(limit: Int): CompletableFuture<List<KeyUsage>> = javaScope.future { topKeys(limit) }

/** Java form of [flushUsage]. */
public fun RateLimits.flushUsageAsync(): CompletableFuture<Void?> = javaScope.future { flushUsage(); null }

private val javaScope = CoroutineScope(Dispatchers.Default)
