package dev.limiter.adaptive.internal

import dev.limiter.LimitPolicy

/**
 * Returns [policy] with its capacity and rate scaled by [factor] (in `(0, 1]`), keeping its
 * name so its buckets keep their state. Skeleton: returns [policy] unchanged until the
 * adaptive issue fills it in.
 */
internal fun scalePolicy(policy: LimitPolicy, factor: Double): LimitPolicy = policy
