package dev.limiter.redis.internal

import io.lettuce.core.pubsub.RedisPubSubAdapter
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory

/**
 * Wakes a config store's [check] when a version may have been published: at once on a change
 * notice over pub/sub, and at the latest every [checkMillis] regardless, so that a node whose
 * subscription dropped (a network blip, `CLIENT KILL TYPE pubsub`, a failover) or that never
 * had one still converges. Lettuce reconnects and resubscribes a dropped subscription by itself.
 *
 * [check] failing (Redis down) is logged once until a check succeeds again; the loop goes on.
 */
internal class ConfigWatcher(
    private val channel: String,
    private val checkMillis: Long,
    openPubSub: (() -> StatefulRedisPubSubConnection<String, String>)?,
    private val check: suspend () -> Unit,
) : AutoCloseable {
    private val wake = Channel<Unit>(Channel.CONFLATED)
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val pubSub: StatefulRedisPubSubConnection<String, String>? = openPubSub?.let(::subscribe)

    @Volatile
    private var failing = false

    init {
        scope.launch {
            while (isActive) {
                withTimeoutOrNull(checkMillis) { wake.receive() }
                try {
                    check()
                    if (failing) {
                        failing = false
                        log.info("config store on channel {} answers again", channel)
                    }
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    if (!failing) log.warn("cannot check the config version (channel {}); retrying every {} ms: {}", channel, checkMillis, e.toString())
                    failing = true
                }
            }
        }
    }

    /** Subscribes to change notices; without a subscription the periodic check alone keeps the node current. */
    private fun subscribe(open: () -> StatefulRedisPubSubConnection<String, String>): StatefulRedisPubSubConnection<String, String>? = try {
        open().also { connection ->
            connection.addListener(object : RedisPubSubAdapter<String, String>() {
                override fun message(channel: String, message: String) {
                    wake.trySend(Unit)
                }
            })
            connection.sync().subscribe(channel)
        }
    } catch (e: RuntimeException) {
        log.warn("cannot subscribe to config notices on {}; following by version checks every {} ms: {}", channel, checkMillis, e.toString())
        null
    }

    /** Wakes the check now (after this node published). */
    fun poke() {
        wake.trySend(Unit)
    }

    override fun close() {
        scope.cancel()
        runCatching { pubSub?.close() }
    }

    private companion object {
        val log = LoggerFactory.getLogger(ConfigWatcher::class.java)
    }
}
