package dev.limiter

/**
 * A [BucketStore] capability: a place where every node of a service pools its usage counts,
 * so that [RateLimits.usage] and [RateLimits.topKeys] answer for the whole cluster.
 *
 * [RateLimits] finds it by asking whether its store implements this interface (the Redis
 * store does); a store without it keeps usage per node, in memory. Counts are kept in
 * per-minute buckets, numbered by minutes since the epoch on the engine's clock; a node adds
 * its counts of a minute in batches, about once a second, never on a decision's path.
 */
public interface SharedUsageStore {
    /**
     * Adds [counts] (one entry per key, each a delta) to minute [minute], and forgets minutes
     * more than [retentionMinutes] before it.
     */
    public suspend fun addUsage(minute: Long, counts: List<KeyUsage>, retentionMinutes: Int)

    /** Returns [key]'s counts summed over minutes [fromMinute] to [toMinute], inclusive, of every node. */
    public suspend fun readUsage(key: String, fromMinute: Long, toMinute: Long): KeyUsage

    /**
     * Returns the [limit] keys with the most decisions over minutes [fromMinute] to [toMinute],
     * inclusive, of every node, busiest first; among equally busy keys, the greater key
     * first (Redis's order).
     */
    public suspend fun readTopKeys(limit: Int, fromMinute: Long, toMinute: Long): List<KeyUsage>
}
