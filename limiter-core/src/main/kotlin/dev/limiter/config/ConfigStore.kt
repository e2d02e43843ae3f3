package dev.limiter.config

import kotlinx.coroutines.flow.Flow
import java.time.Instant

/**
 * Where the limits config of every node lives: versioned, validated before it is stored, and
 * followed by [dev.limiter.RateLimits.follow].
 *
 * Versions start at 1 and grow by one per publish. A publish names the version it replaces;
 * a publisher who saw an older version is told [PublishResult.Conflict] and nothing changes.
 */
public interface ConfigStore : AutoCloseable {
    /** Returns the latest published version, or `null` when nothing was ever published. */
    public suspend fun current(): VersionedConfig?

    /**
     * Publishes [yaml] as the next version when it is valid and [expectedVersion] is the
     * latest version (`null` when nothing was published yet); otherwise stores nothing.
     */
    public suspend fun publish(yaml: String, expectedVersion: Long?, author: String? = null): PublishResult

    /**
     * Emits each version published from now on, on every node, in order. A store may first
     * emit the latest version it holds (so that a collector that started just after a publish
     * does not miss it); followers recognise a version they already have by its number.
     */
    public fun updates(): Flow<VersionedConfig>

    /** Returns up to [limit] versions, newest first. */
    public suspend fun history(limit: Int = 20): List<VersionedConfig>
}

/** One published version of a limits config. */
public class VersionedConfig(
    /** The version number: 1 for the first publish, one more for each after it. */
    public val version: Long,
    /** The YAML as published. */
    public val yaml: String,
    /** The config [yaml] describes. */
    public val config: LimitsConfig,
    /** When it was published. */
    public val publishedAt: Instant,
    /** Who published it, when the publisher said. */
    public val author: String?,
) {
    override fun toString(): String = "VersionedConfig(version=$version, publishedAt=$publishedAt, author=$author)"
}

/** What a [ConfigStore.publish] did. */
public sealed class PublishResult {
    /** Stored as [published]; every follower applies it. */
    public class Published(public val published: VersionedConfig) : PublishResult()

    /** Not stored: the YAML has the problems in [report]. */
    public class Invalid(public val report: ValidationReport) : PublishResult()

    /** Not stored: the latest version is [currentVersion], not the one the publisher expected. */
    public class Conflict(public val currentVersion: Long) : PublishResult()
}
