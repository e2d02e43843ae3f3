package dev.limiter.config

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.future.await
import kotlinx.coroutines.future.future
import kotlinx.coroutines.launch
import java.util.concurrent.CompletableFuture
import java.util.function.Consumer

/**
 * A [ConfigStore] in Java's terms: the same operations, answering [CompletableFuture]s, and a
 * listener instead of a `Flow`. Java code implements this and hands it to
 * [ConfigStores.fromAsync]; [ConfigStores.async] gives Java this view of any store.
 */
public interface AsyncConfigStore : AutoCloseable {
    /** Completes with the latest published version, or `null` when nothing was ever published. */
    public fun currentAsync(): CompletableFuture<VersionedConfig?>

    /** Publishes as [ConfigStore.publish] does; completes with what it did. */
    public fun publishAsync(yaml: String, expectedVersion: Long?, author: String?): CompletableFuture<PublishResult>

    /** Completes with up to [limit] versions, newest first. */
    public fun historyAsync(limit: Int): CompletableFuture<List<VersionedConfig>>

    /** Calls [listener] with each version published from now on, until the returned handle is closed. */
    public fun subscribe(listener: Consumer<VersionedConfig>): AutoCloseable
}

/** Converts between [ConfigStore] and the Java-shaped [AsyncConfigStore]. */
public object ConfigStores {
    /** Returns [store] as a [ConfigStore], for [dev.limiter.RateLimits.follow] and the Ktor admin routes. */
    @JvmStatic
    public fun fromAsync(store: AsyncConfigStore): ConfigStore = object : ConfigStore {
        override suspend fun current(): VersionedConfig? = store.currentAsync().await()

        override suspend fun publish(yaml: String, expectedVersion: Long?, author: String?): PublishResult =
            store.publishAsync(yaml, expectedVersion, author).await()

        override fun updates(): Flow<VersionedConfig> = callbackFlow {
            val handle = store.subscribe { trySend(it) }
            awaitClose { handle.close() }
        }

        override suspend fun history(limit: Int): List<VersionedConfig> = store.historyAsync(limit).await()

        override fun close() = store.close()

        override fun toString(): String = store.toString()
    }

    /** Returns Java's view of [store]: futures instead of suspending calls, a listener instead of a `Flow`. */
    @JvmStatic
    public fun async(store: ConfigStore): AsyncConfigStore = object : AsyncConfigStore {
        private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

        override fun currentAsync(): CompletableFuture<VersionedConfig?> = scope.future { store.current() }

        override fun publishAsync(yaml: String, expectedVersion: Long?, author: String?): CompletableFuture<PublishResult> =
            scope.future { store.publish(yaml, expectedVersion, author) }

        override fun historyAsync(limit: Int): CompletableFuture<List<VersionedConfig>> = scope.future { store.history(limit) }

        override fun subscribe(listener: Consumer<VersionedConfig>): AutoCloseable {
            val job = scope.launch { store.updates().collect { listener.accept(it) } }
            return AutoCloseable { job.cancel() }
        }

        override fun close() {
            scope.cancel()
            store.close()
        }

        override fun toString(): String = store.toString()
    }
}
