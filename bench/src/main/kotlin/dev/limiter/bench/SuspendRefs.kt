@file:JvmName("SuspendRefs")

package dev.limiter.bench

import dev.limiter.Decision
import dev.limiter.RateLimiter

/**
 * Returns `limiter::tryAcquire` as a suspend function value, which Java sees as a
 * `Function3<String, Long, Continuation, Object>`: the suspend member itself is hidden from
 * Java, and this is how the benchmark still calls it the way compiled Kotlin does.
 */
fun tryAcquireRef(limiter: RateLimiter): suspend (String, Long) -> Decision = limiter::tryAcquire
