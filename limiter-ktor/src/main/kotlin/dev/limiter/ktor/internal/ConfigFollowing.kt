package dev.limiter.ktor.internal

import dev.limiter.config.ConfigStore
import dev.limiter.config.InMemoryConfigStore
import dev.limiter.config.PublishResult
import dev.limiter.config.VersionedConfig
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationStopped
import io.ktor.util.AttributeKey
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.transform
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory

/**
 * The plugin's config store and the engine following it: `RateLimits.follow(store)`.
 *
 * At install the node reads the store's latest version and puts it in force before it serves
 * a call, so a restarted node starts on the latest version; when the store has none yet, the
 * node publishes the plugin's own config as the first version (one node wins, the others
 * follow it). When the store cannot be reached at install, the node starts on the plugin's
 * config and the follower catches up once the store answers.
 *
 * [appliedVersion] is the newest version in force on this node, so an admin `PUT` can answer
 * once its own node enforces what it published.
 */
internal class ConfigFollowing(private val enforcer: LimitEnforcer, given: ConfigStore?) : AutoCloseable {
    val store: ConfigStore = given ?: InMemoryConfigStore(enforcer.clock)
    private val owned = given == null
    val appliedVersion = MutableStateFlow(0L)

    // Until the plugin decides through its engine alone (engine issue), the versions the engine
    // applies are passed to the plugin's own view too. TODO(engine issue): drop `apply` here.
    private val tapped = object : ConfigStore by store {
        override suspend fun current(): VersionedConfig? = store.current()?.also(::apply)

        override fun updates(): Flow<VersionedConfig> = store.updates().transform { version ->
            emit(version)
            apply(version)
        }

        override fun toString(): String = store.toString()
    }

    private fun apply(version: VersionedConfig) {
        if (version.version <= appliedVersion.value) return
        enforcer.update(version.config)
        enforcer.engine.update(version.config)
        appliedVersion.value = maxOf(appliedVersion.value, version.version)
    }

    private val following: AutoCloseable

    init {
        runBlocking {
            withTimeoutOrNull(START_MILLIS) {
                runCatching {
                    val latest = store.current()
                    if (latest != null) apply(latest)
                    else (store.publish(enforcer.config.toYaml(), null, "initial config") as? PublishResult.Published)?.let { apply(it.published) }
                }.onFailure { log.warn("config store {} not reachable at start; running the plugin's config until it answers: {}", store, it.toString()) }
            } ?: log.warn("config store {} did not answer within {} ms at start; running the plugin's config", store, START_MILLIS)
        }
        following = enforcer.engine.follow(tapped)
    }

    /** Waits, at most [millis], until [version] or a newer one is in force here; whether it is. */
    suspend fun awaitApplied(version: Long, millis: Long = APPLY_WAIT_MILLIS): Boolean =
        withTimeoutOrNull(millis) { appliedVersion.first { it >= version } } != null

    override fun close() {
        following.close()
        if (owned) store.close()
    }

    companion object {
        private val log = LoggerFactory.getLogger("dev.limiter.ktor.ConfigStore")
        private const val START_MILLIS = 5_000L
        private const val APPLY_WAIT_MILLIS = 2_000L
        val Key: AttributeKey<ConfigFollowing> = AttributeKey("dev.limiter.ktor.ConfigFollowing")

        /** Starts following [given] (an in-memory store when `null`) for [application]'s plugin; stops when it stops. */
        fun install(application: Application, enforcer: LimitEnforcer, given: ConfigStore?) {
            val following = ConfigFollowing(enforcer, given)
            application.attributes.put(Key, following)
            application.monitor.subscribe(ApplicationStopped) { following.close() }
        }
    }
}
