package dev.limiter.redis

import java.time.Duration

/**
 * How a [RedisBucketStore] names its keys, reads time, and what it keeps besides buckets.
 *
 * An immutable value; each `with…` method returns a copy with one setting changed, so Kotlin
 * and Java build options the same way:
 * `RedisStoreOptions().withTimeSource(RedisStoreOptions.TimeSource.CLIENT)`.
 */
public class RedisStoreOptions private constructor(
    /** Where decisions read the time; [TimeSource.REDIS] by default. */
    public val timeSource: TimeSource,
    /** First part of every key, `limiter` by default; keys look like `limiter:{…}`. */
    public val keyPrefix: String,
    /**
     * Extra time every key lives past the moment its bucket is at rest again; 1 s by default.
     * Covers the distance between clocks when [timeSource] is [TimeSource.CLIENT].
     */
    public val ttlSlack: Duration,
    /**
     * How long cluster-wide usage counters live after a key's last request; zero (the
     * default) keeps no counters, so each decision writes nothing but the bucket.
     */
    public val usageRetention: Duration,
    /**
     * The most keys this node remembers as over their limit, answering them locally until
     * their `retryAfter` has passed; 10,000 by default, 0 turns the cache off.
     */
    public val denyCacheSize: Int,
) {
    /** Builds the default options: Redis time, prefix `limiter`, 1 s TTL slack, no usage counters. */
    public constructor() : this(TimeSource.REDIS, "limiter", Duration.ofSeconds(1), Duration.ZERO, 10_000)

    /** Where a decision reads the current time. */
    public enum class TimeSource {
        /** Redis `TIME` inside the script: app nodes with skewed clocks still agree. */
        REDIS,

        /**
         * The `nowMicros` the limiter passes, read from its [dev.limiter.LimiterClock]: decisions follow
         * the application's clock (a `MockClock` or `VirtualClock` included), which every node
         * must then share; raise the TTL slack above the largest difference between nodes' clocks.
         */
        CLIENT,
    }

    /** Returns these options reading time from [source]. */
    public fun withTimeSource(source: TimeSource): RedisStoreOptions = copy(timeSource = source)

    /**
     * Returns these options with keys starting with [prefix].
     *
     * @throws IllegalArgumentException when [prefix] is blank or holds `{`, `}` or whitespace.
     */
    public fun withKeyPrefix(prefix: String): RedisStoreOptions {
        require(prefix.isNotBlank() && prefix.none { it == '{' || it == '}' || it.isWhitespace() }) {
            "keyPrefix must be non-blank without '{', '}' or whitespace (they would break the hash tag), " +
                "was '$prefix'; use a name such as 'limiter' or 'portal-limiter'"
        }
        return copy(keyPrefix = prefix)
    }

    /**
     * Returns these options keeping keys [slack] past the moment their bucket is at rest.
     *
     * @throws IllegalArgumentException when [slack] is negative.
     */
    public fun withTtlSlack(slack: Duration): RedisStoreOptions {
        require(!slack.isNegative) { "ttlSlack must not be negative, was $slack; use Duration.ZERO for none" }
        return copy(ttlSlack = slack)
    }

    /**
     * Returns these options counting allowed and rejected requests per key in Redis, inside
     * the decision's own script, kept [retention] past the key's last request; zero turns
     * the counters off.
     *
     * @throws IllegalArgumentException when [retention] is negative.
     */
    public fun withUsageCounters(retention: Duration): RedisStoreOptions {
        require(!retention.isNegative) {
            "usageRetention must not be negative, was $retention; use e.g. Duration.ofDays(1), or Duration.ZERO for none"
        }
        return copy(usageRetention = retention)
    }

    /**
     * Returns these options remembering up to [size] keys as over their limit on this node.
     *
     * @throws IllegalArgumentException when [size] is negative.
     */
    public fun withDenyCacheSize(size: Int): RedisStoreOptions {
        require(size >= 0) { "denyCacheSize must be 0 or more, was $size; use 0 to turn the cache off" }
        return copy(denyCacheSize = size)
    }

    private fun copy(
        timeSource: TimeSource = this.timeSource,
        keyPrefix: String = this.keyPrefix,
        ttlSlack: Duration = this.ttlSlack,
        usageRetention: Duration = this.usageRetention,
        denyCacheSize: Int = this.denyCacheSize,
    ): RedisStoreOptions = RedisStoreOptions(timeSource, keyPrefix, ttlSlack, usageRetention, denyCacheSize)

    override fun toString(): String = "RedisStoreOptions(timeSource=$timeSource, keyPrefix=$keyPrefix, " +
        "ttlSlack=$ttlSlack, usageRetention=$usageRetention, denyCacheSize=$denyCacheSize)"
}
