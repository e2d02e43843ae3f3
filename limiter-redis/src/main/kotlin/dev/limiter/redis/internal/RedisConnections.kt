package dev.limiter.redis.internal

import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.RedisStoreOptions
import io.lettuce.core.ExperimentalLettuceCoroutinesApi
import io.lettuce.core.RedisClient
import io.lettuce.core.RedisURI
import io.lettuce.core.api.coroutines
import io.lettuce.core.cluster.RedisClusterClient
import io.lettuce.core.cluster.api.coroutines
import io.lettuce.core.codec.StringCodec

/** Opens the connections behind [RedisBucketStore.connect] and its client overloads. */
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
            val client = RedisClusterClient.create(seeds)
            return try {
                val connection = client.connect(StringCodec.UTF8)
                RedisBucketStore(connection.coroutines(), options) {
                    connection.close()
                    client.shutdown()
                }
            } catch (e: RuntimeException) {
                client.shutdown()
                throw e
            }
        }
        val client = RedisClient.create(parse(uri, uri))
        return try {
            val connection = client.connect(StringCodec.UTF8)
            RedisBucketStore(connection.coroutines(), options) {
                connection.close()
                client.shutdown()
            }
        } catch (e: RuntimeException) {
            client.shutdown()
            throw e
        }
    }

    fun open(client: RedisClient, options: RedisStoreOptions): RedisBucketStore {
        val connection = client.connect(StringCodec.UTF8)
        return RedisBucketStore(connection.coroutines(), options) { connection.close() }
    }

    fun open(client: RedisClusterClient, options: RedisStoreOptions): RedisBucketStore {
        val connection = client.connect(StringCodec.UTF8)
        return RedisBucketStore(connection.coroutines(), options) { connection.close() }
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
