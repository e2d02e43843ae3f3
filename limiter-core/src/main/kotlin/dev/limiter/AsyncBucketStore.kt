package dev.limiter

import kotlinx.coroutines.future.await
import java.util.concurrent.CompletableFuture

/**
 * A [BucketStore] written in Java: the same operations, answered with [CompletableFuture]s.
 *
 * Java cannot implement [BucketStore]'s suspending methods; it implements this instead and
 * hands it to [BucketStore.fromAsync], which adapts it without blocking a thread. A store
 * must decide [tryConsumeAllAsync] all-or-nothing, like every [BucketStore].
 */
public interface AsyncBucketStore : AutoCloseable {
    /** Completes with [BucketStore.tryConsume]'s decision. */
    public fun tryConsumeAsync(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): CompletableFuture<Decision>

    /** Completes with [BucketStore.tryConsumeAll]'s decisions: every request charged, or none. */
    public fun tryConsumeAllAsync(requests: List<BucketRequest>, nowMicros: Long): CompletableFuture<List<Decision>>

    /** Completes with [key]'s bucket as it stands, consuming nothing. */
    public fun inspectAsync(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): CompletableFuture<BucketSnapshot>

    /** Completes once [key]'s bucket is forgotten. */
    public fun resetAsync(key: String, policy: LimitPolicy): CompletableFuture<Void?>

    /** Releases the store's resources; the default does nothing. */
    override fun close() {}
}

/** [BucketStore.fromAsync]'s adapter: awaits each future without blocking a thread. */
internal class AsyncBucketStoreAdapter(private val async: AsyncBucketStore) : BucketStore {
    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision =
        async.tryConsumeAsync(key, policy, permits, nowMicros).await()

    override suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> {
        val answers = async.tryConsumeAllAsync(requests, nowMicros).await()
        check(answers.size == requests.size) {
            "${async::class.java.name}.tryConsumeAllAsync answered ${answers.size} decisions for ${requests.size} requests; " +
                "it must answer one decision per request, in order"
        }
        return answers
    }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot =
        async.inspectAsync(key, policy, permits, nowMicros).await()

    override suspend fun reset(key: String, policy: LimitPolicy) {
        async.resetAsync(key, policy).await()
    }

    override fun close(): Unit = async.close()

    override fun toString(): String = "BucketStore.fromAsync($async)"
}
