package dev.limiter.config

import dev.limiter.LimiterClock
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import java.time.Instant

/**
 * A [ConfigStore] in this process's memory: for one node, and for tests.
 *
 * Publishes are serialised by a mutex, so a version is never skipped or given twice. Only the
 * newest [historyLimit] versions are kept. [updates] first gives a new collector the latest
 * version, then every version published after it, so a follower that read [current] just
 * before a publish cannot miss it.
 */
public class InMemoryConfigStore @JvmOverloads constructor(
    private val clock: LimiterClock = LimiterClock.SYSTEM,
    private val historyLimit: Int = DEFAULT_HISTORY,
) : ConfigStore {
    init {
        require(historyLimit >= 1) { "historyLimit must be at least 1, was $historyLimit; use e.g. $DEFAULT_HISTORY" }
    }

    private val lock = Mutex()
    private val versions = ArrayDeque<VersionedConfig>()
    private val published = MutableSharedFlow<VersionedConfig>(
        replay = 1,
        extraBufferCapacity = historyLimit,
        onBufferOverflow = BufferOverflow.DROP_OLDEST,
    )

    override suspend fun current(): VersionedConfig? = lock.withLock { versions.lastOrNull() }

    override suspend fun publish(yaml: String, expectedVersion: Long?, author: String?): PublishResult {
        val config = try {
            LimitsConfig.parse(yaml)
        } catch (e: LimitsConfigException) {
            return PublishResult.Invalid(ValidationReport(false, e.errors))
        }
        return lock.withLock {
            val latest = versions.lastOrNull()?.version
            if (latest != expectedVersion) return@withLock PublishResult.Conflict(latest ?: 0)
            val next = VersionedConfig((latest ?: 0) + 1, yaml, config, Instant.ofEpochSecond(0, clock.nowNanos()), author)
            versions.addLast(next)
            while (versions.size > historyLimit) versions.removeFirst()
            published.tryEmit(next)
            PublishResult.Published(next)
        }
    }

    override fun updates(): Flow<VersionedConfig> = published.asSharedFlow()

    override suspend fun history(limit: Int): List<VersionedConfig> = lock.withLock { versions.reversed().take(limit) }

    /** Nothing to release. */
    override fun close() {}

    override fun toString(): String = "InMemoryConfigStore(historyLimit=$historyLimit)"

    private companion object {
        const val DEFAULT_HISTORY = 50
    }
}
