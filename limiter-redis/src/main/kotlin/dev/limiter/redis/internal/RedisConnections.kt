package dev.limiter.redis.internal

import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.RedisStoreOptions
import io.lettuce.core.ClientOptions
import io.lettuce.core.ExperimentalLettuceCoroutinesApi
import io.lettuce.core.RedisClient
import io.lettuce.core.RedisURI
import io.lettuce.core.api.coroutines
import io.lettuce.core.cluster.RedisClusterClient
import io.lettuce.core.cluster.api.coroutines
import io.lettuce.core.cluster.api.coroutines.RedisClusterCoroutinesCommands
import io.lettuce.core.cluster.ClusterClientOptions
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions
import io.lettuce.core.codec.StringCodec
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection
import io.lettuce.core.resource.ClientResources
import io.lettuce.core.resource.DefaultClientResources
import io.lettuce.core.resource.Delay
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * Opens the connections behind [RedisBucketStore.connect] and its client overloads.
 *
 * Standalone and Sentinel connections the store opens itself reject commands at once while
 * disconnected (rather than queueing them until Redis is back), so fault tolerance sees the
 * outage immediately; cluster connections queue, bounded by the command timeout.
 */
@OptIn(ExperimentalLettuceCoroutinesApi::class)
internal object RedisConnections {
    private val CLUSTER_SCHEMES = mapOf("redis-cluster://" to "redis://", "rediss-cluster://" to "rediss://")

    fun open(uri: String, options: RedisStoreOptions): RedisBucketStore {
        val cluster = CLUSTER_SCHEMES.entries.firstOrNull { uri.startsWith(it.key) }
        if (cluster != null) {
            val rest = uri.removePrefix(cluster.key)
            val hosts = rest.substringBefore('/').split(',').filter { it.isNotBlank() }
            require(hosts.isNotEmpty()) {
                "Redis URI '$uri' names no cluster node; use e.g. redis-cluster://host1:7000,host2:7001"
            }
            val seeds = hosts.map { parse(cluster.value + it, uri) }
            val resources = resources()
            val client = RedisClusterClient.create(resources, seeds)
            client.setOptions(
                // Node connections open lazily, so a cluster client must queue while they do:
                // fault tolerance's command timeout bounds that wait instead.
                ClusterClientOptions.builder()
                    .topologyRefreshOptions(refreshOnEveryTrigger())
                    .build(),
            )
            return owning(options, { client.connectPubSub(StringCodec.UTF8) }, cluster = true, shutdown = { client.shutdown(); resources.shutdown() }) {
                val connection = client.connect(StringCodec.UTF8)
                connection.coroutines() to { connection.close() }
            }
        }
        val resources = resources()
        val client = RedisClient.create(resources, parse(uri, uri))
        client.options = ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .build()
        return owning(options, { client.connectPubSub(StringCodec.UTF8) }, shutdown = { client.shutdown(); resources.shutdown() }) {
            val connection = client.connect(StringCodec.UTF8)
            connection.coroutines() to { connection.close() }
        }
    }

    /**
     * Returns a store over the connection [connect] opens, which closes it and then runs
     * [shutdown] when the store closes; when connecting fails, runs [shutdown] at once.
     */
    private inline fun owning(
        options: RedisStoreOptions,
        noinline openPubSub: () -> StatefulRedisPubSubConnection<String, String>, // cfgstore
        cluster: Boolean = false,
        crossinline shutdown: () -> Unit,
        connect: () -> Pair<RedisClusterCoroutinesCommands<String, String>, () -> Unit>,
    ): RedisBucketStore {
        val (commands, close) = try {
            connect()
        } catch (e: RuntimeException) {
            shutdown()
            throw e
        }
        return RedisBucketStore(commands, options, openPubSub, cluster) {
            close()
            shutdown()
        }
    }

    /**
     * Client resources for the connections the store opens itself: reconnect attempts at most
     * 100 ms apart (Lettuce's default backs off to 30 s), so that after an outage the
     * connection is back well within a fault-tolerance probe interval.
     */
    private fun resources(): ClientResources = DefaultClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(100), 2, TimeUnit.MILLISECONDS))
        .build()

    /** Follows failovers and resharding: topology is refreshed on MOVED, ASK, reconnects and unknown nodes. */
    @Suppress("DEPRECATION") // marked deprecated in Lettuce 7, still effective, no builder replacement yet
    private fun refreshOnEveryTrigger(): ClusterTopologyRefreshOptions = ClusterTopologyRefreshOptions.builder()
        .enableAllAdaptiveRefreshTriggers()
        .build()

    fun open(client: RedisClient, options: RedisStoreOptions): RedisBucketStore {
        val connection = client.connect(StringCodec.UTF8)
        return RedisBucketStore(connection.coroutines(), options, { client.connectPubSub(StringCodec.UTF8) }) { connection.close() }
    }

    fun open(client: RedisClusterClient, options: RedisStoreOptions): RedisBucketStore {
        val connection = client.connect(StringCodec.UTF8)
        return RedisBucketStore(connection.coroutines(), options, { client.connectPubSub(StringCodec.UTF8) }, cluster = true) { connection.close() }
    }

    private fun parse(uri: String, original: String): RedisURI = try {
        RedisURI.create(uri)
    } catch (e: IllegalArgumentException) {
        throw IllegalArgumentException(
            "Redis URI '$original' is not valid (${e.message}); use e.g. redis://localhost:6379, " +
                "redis-sentinel://host:26379#mymaster or redis-cluster://host1:7000,host2:7001",
            e,
        )
    }
}
