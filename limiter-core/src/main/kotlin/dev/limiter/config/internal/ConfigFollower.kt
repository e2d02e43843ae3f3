package dev.limiter.config.internal

import dev.limiter.RateLimits
import dev.limiter.config.ConfigStore
import dev.limiter.config.VersionedConfig
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory
import java.util.concurrent.atomic.AtomicLong
import java.util.function.Consumer

/**
 * Keeps a [RateLimits] on a [ConfigStore]'s latest version until closed.
 *
 * Applies the store's current version first, then every version [ConfigStore.updates] emits.
 * A version is applied only when it is newer than the one in force, so a notice that arrives
 * twice or late never rolls the engine back. When reading the store or collecting its updates
 * fails (Redis down), the follower logs once, keeps the running config, and tries again after
 * [retryMillis]; it logs again only after it has recovered. Closing stops it at once.
 */
internal class ConfigFollower private constructor(
    private val limits: RateLimits,
    private val store: ConfigStore,
    private val retryMillis: Long,
    private val onApplied: Consumer<VersionedConfig>?,
) : AutoCloseable {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val applied = AtomicLong(0)

    @Volatile
    private var failing = false

    /** The version in force through this follower; 0 before the first. */
    val appliedVersion: Long get() = applied.get()

    private fun start(): ConfigFollower {
        scope.launch {
            while (isActive) {
                try {
                    store.current()?.let(::apply)
                    recovered()
                    store.updates().collect { apply(it); recovered() }
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    failed(e)
                }
                delay(retryMillis)
            }
        }
        return this
    }

    private fun apply(version: VersionedConfig) {
        val previous = applied.getAndAccumulate(version.version, ::maxOf)
        if (version.version <= previous) return
        limits.update(version.config)
        onApplied?.let { notify(it, version) }
        log.info("limits config version {} applied (published by {} at {})", version.version, version.author ?: "unknown", version.publishedAt)
    }

    // A listener that throws must not stop the follower: the version is in force either way.
    private fun notify(listener: Consumer<VersionedConfig>, version: VersionedConfig) {
        try {
            listener.accept(version)
        } catch (e: Exception) {
            log.warn("listener of applied limits config versions failed on version {}", version.version, e)
        }
    }

    private fun failed(e: Exception) {
        if (failing) return
        failing = true
        log.warn("cannot follow the limits config from {}; keeping version {} and retrying: {}", store, applied.get(), e.toString())
    }

    private fun recovered() {
        if (!failing) return
        failing = false
        log.info("following the limits config from {} again, at version {}", store, applied.get())
    }

    override fun close() {
        scope.cancel()
    }

    companion object {
        private val log = LoggerFactory.getLogger(ConfigFollower::class.java)
        private const val RETRY_MILLIS = 1_000L

        fun start(
            limits: RateLimits,
            store: ConfigStore,
            onApplied: Consumer<VersionedConfig>? = null,
            retryMillis: Long = RETRY_MILLIS,
        ): ConfigFollower = ConfigFollower(limits, store, retryMillis, onApplied).start()
    }
}
