package dev.limiter.config.internal

import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/** A fixed set of coroutine mutexes; a key always maps to the same one. */
internal class StripedMutex(stripes: Int) {
    private val mutexes = Array(stripes) { Mutex() }

    suspend fun <T> withLock(key: String, action: suspend () -> T): T =
        mutexes[Math.floorMod(key.hashCode(), mutexes.size)].withLock { action() }
}
