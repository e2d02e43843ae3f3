package dev.limiter.redis.harness

import io.lettuce.core.RedisClient
import io.lettuce.core.RedisURI
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A Redis Cluster of [nodes] masters (no replicas), built the way `redis-cli --cluster create`
 * does: each node gets a contiguous third of the 16384 slots (`CLUSTER ADDSLOTS`), the nodes
 * meet (`CLUSTER MEET`), and the harness waits until every node reports `cluster_state:ok`.
 */
class RedisClusterProcesses private constructor(val nodes: List<RedisServerProcess>) {
    /** A URI for [dev.limiter.redis.RedisBucketStore.connect] naming every node as a seed. */
    val uri: String get() = "redis-cluster://" + nodes.joinToString(",") { "127.0.0.1:${it.port}" }

    fun stop() = nodes.forEach { it.stop() }

    companion object {
        private const val SLOTS = 16_384

        fun start(binary: Path, count: Int): RedisClusterProcesses {
            val nodes = (0 until count).map {
                RedisServerProcess(
                    binary, RedisHarness.freePort(),
                    listOf("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"),
                ).start()
            }
            val client = RedisClient.create()
            try {
                val connections = nodes.map { client.connect(RedisURI.create(it.uri)).sync() }
                connections.forEachIndexed { i, redis ->
                    val from = SLOTS * i / count
                    val to = SLOTS * (i + 1) / count
                    redis.clusterAddSlots(*IntArray(to - from) { from + it })
                }
                for (node in nodes.drop(1)) connections[0].clusterMeet("127.0.0.1", node.port)
                val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
                while (!connections.all { it.clusterInfo().contains("cluster_state:ok") && knowsAll(it.clusterNodes(), count) }) {
                    check(System.nanoTime() < deadline) { "cluster did not reach cluster_state:ok within 30 s" }
                    Thread.sleep(50)
                }
            } finally {
                client.shutdown()
            }
            return RedisClusterProcesses(nodes)
        }

        private fun knowsAll(nodes: String, count: Int): Boolean =
            nodes.lines().count { it.contains("master") && !it.contains("fail") && !it.contains("handshake") } == count
    }
}
