package dev.limiter

/**
 * One level of a request for [BucketStore.tryConsumeAll]: take [permits] from [key]'s bucket
 * under [policy].
 */
public data class BucketRequest(
    /** The bucket's key, such as an API key or `global`. */
    public val key: String,
    /** The policy that decides for this bucket. */
    public val policy: LimitPolicy,
    /** Permits to take; at least 1. */
    public val permits: Long,
)
