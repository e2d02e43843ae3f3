package dev.limiter

/**
 * Where buckets live: applies a policy's decision to a key's bucket atomically.
 *
 * A store never waits for permits; waiting is layered on top by [RateLimiter]. Every store
 * passes the `BucketStoreContract` suite from limiter-core's test-jar.
 *
 * A named policy's buckets belong to its name and algorithm, not its numbers: when the numbers
 * change, a store keeps the key's state and treats it under the new numbers so that no key
 * gains permits from the change (what is available is clamped to the new capacity) and none
 * loses more than the change takes away. Unnamed policies are identified by their numbers.
 *
 * Time comes from the caller as [nowMicros] (epoch microseconds). A remote store may use its
 * own consistent time source instead (Redis `TIME`); durations in the answers are relative,
 * so the caller can still turn them into instants on its own clock.
 */
public interface BucketStore : AutoCloseable {
    /**
     * Takes [permits] from [key]'s bucket under [policy] if they are available now; never
     * waits. A denied decision carries the reason [DenyReason.LIMITED] and the `retryAfter`
     * at which the same request would be granted, if nothing else happens meanwhile.
     */
    public suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision

    /**
     * Takes every request of [requests] or none of them: either each bucket is charged, or
     * nothing is charged anywhere. Returns one decision per request, in order; when one is
     * denied, the others are the decisions they would have had, and nothing was consumed.
     * Requests naming the same bucket (key and policy) are asked for their permits together:
     * each is decided on its own permits plus those of the earlier requests on that bucket,
     * so the one that overflows it is denied.
     *
     * The default handles a single request through [tryConsume]; a store must override this
     * to decide several levels at once, and the default refuses rather than charge them one
     * by one without atomicity.
     *
     * @throws UnsupportedOperationException from the default, for more than one request.
     */
    public suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> {
        if (requests.size == 1) {
            val r = requests[0]
            return listOf(tryConsume(r.key, r.policy, r.permits, nowMicros))
        }
        throw UnsupportedOperationException(
            "${this::class.simpleName} does not implement tryConsumeAll for ${requests.size} levels; " +
                "override BucketStore.tryConsumeAll so that every level is charged or none is",
        )
    }

    /** Returns [key]'s bucket under [policy] as it stands, consuming nothing. */
    public suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot

    /** Forgets [key]'s bucket under [policy]: the next request finds it full. */
    public suspend fun reset(key: String, policy: LimitPolicy)

    /**
     * Answers [tryConsume] without suspending when the store can (an in-memory store), or
     * returns `null` when it cannot (a remote store). Java's blocking facade uses this to stay
     * off `runBlocking` on the hot path.
     */
    public fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? = null

    /**
     * Answers [tryConsumeAll] without suspending when the store can, or returns `null` when it
     * cannot; the default answers a single request through [tryConsumeNow] and returns `null`
     * for several.
     */
    public fun tryConsumeAllNow(requests: List<BucketRequest>, nowMicros: Long): List<Decision>? {
        if (requests.size != 1) return null
        val r = requests[0]
        return tryConsumeNow(r.key, r.policy, r.permits, nowMicros)?.let(::listOf)
    }

    /** Releases the store's resources; the default does nothing. */
    override fun close() {}

    public companion object {
        /**
         * Returns a store that answers through [store], a store written in Java with
         * `CompletableFuture`s; closing it closes [store].
         */
        @JvmStatic
        public fun fromAsync(store: AsyncBucketStore): BucketStore = AsyncBucketStoreAdapter(store)
    }
}

/**
 * A bucket as it stands at one instant.
 *
 * [tokens] is exact and may be fractional for token buckets; for window algorithms it is the
 * number of permits left in the window. [retryAfterMicros] is the wait before the number of
 * permits asked about can be taken: 0 when they can be taken now.
 */
public class BucketSnapshot(
    /** Permits available now, fractional for buckets that refill continuously. */
    public val tokens: Double,
    /** Requests of cost 1 allowed right now. */
    public val remaining: Long,
    /** The policy's capacity or window limit. */
    public val limit: Long,
    /** Microseconds until the permits asked about can be taken; 0 when they can be now. */
    @get:JvmSynthetic public val retryAfterMicros: Long,
    /** Microseconds until the bucket is full (or the window empty) again. */
    @get:JvmSynthetic public val resetAfterMicros: Long,
) {
    /**
     * Creates a snapshot with its waits as durations, kept to the microsecond; for stores
     * written in Java.
     */
    public constructor(tokens: Double, remaining: Long, limit: Long, retryAfter: java.time.Duration, resetAfter: java.time.Duration) :
        this(tokens, remaining, limit, Decision.toMicros(retryAfter), Decision.toMicros(resetAfter))

    /** How long until the permits asked about can be taken; zero when they can be now. */
    public val retryAfter: java.time.Duration get() = java.time.Duration.of(retryAfterMicros, java.time.temporal.ChronoUnit.MICROS)

    /** How long until the bucket is full (or the window empty) again. */
    public val resetAfter: java.time.Duration get() = java.time.Duration.of(resetAfterMicros, java.time.temporal.ChronoUnit.MICROS)

    override fun equals(other: Any?): Boolean = other is BucketSnapshot && other.tokens == tokens &&
        other.remaining == remaining && other.limit == limit &&
        other.retryAfterMicros == retryAfterMicros && other.resetAfterMicros == resetAfterMicros

    override fun hashCode(): Int = listOf(tokens, remaining, limit, retryAfterMicros, resetAfterMicros).hashCode()

    override fun toString(): String = "BucketSnapshot(tokens=$tokens, remaining=$remaining, limit=$limit, " +
        "retryAfterMicros=$retryAfterMicros, resetAfterMicros=$resetAfterMicros)"
}
