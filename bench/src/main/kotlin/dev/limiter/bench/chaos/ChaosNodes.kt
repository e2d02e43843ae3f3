package dev.limiter.bench.chaos

import dev.limiter.BackendState
import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.portal.PortalSettings
import dev.limiter.portal.portalServer
import dev.limiter.redis.RedisBucketStore
import dev.limiter.redis.configStore
import dev.limiter.redis.harness.RedisHarness
import dev.limiter.redis.harness.RedisServerProcess
import io.lettuce.core.RedisClient
import java.util.concurrent.CopyOnWriteArrayList

/** A master, its replica and a Sentinel watching them as `mymaster`, all real processes. */
class ChaosRedis {
    val master: RedisServerProcess = RedisHarness.startServer()
    val replica: RedisServerProcess = RedisHarness.startServer(listOf("--replicaof", "127.0.0.1", master.port.toString()))
    val sentinel: RedisServerProcess = RedisHarness.startSentinel(master.port)
    val sentinelUri = "redis-sentinel://127.0.0.1:${sentinel.port}#mymaster"

    /** Waits until the Sentinel knows the replica (it learns replicas from the master's INFO, every 10 s). */
    fun awaitReplicaKnown() = waitFor("Sentinel to discover the replica", 30_000) {
        sentinel { it.replicas("mymaster").any { r -> r["port"] == replica.port.toString() && r["flags"] == "slave" } }
    }

    private val sentinelClient = RedisClient.create("redis://127.0.0.1:${sentinel.port}")
    private val sentinelCommands = sentinelClient.connectSentinel().sync()

    /** The port the Sentinel names as master now (on a connection kept open, so polling it is quick). */
    fun masterPort(): Int = (sentinelCommands.getMasterAddrByName("mymaster") as java.net.InetSocketAddress).port

    fun <T> sentinel(block: (io.lettuce.core.sentinel.api.sync.RedisSentinelCommands<String, String>) -> T): T =
        RedisClient.create("redis://127.0.0.1:${sentinel.port}").let { client ->
            try { client.connectSentinel().use { block(it.sync()) } } finally { client.shutdown() }
        }

    fun <T> redis(port: Int, block: (io.lettuce.core.api.sync.RedisCommands<String, String>) -> T): T =
        RedisClient.create("redis://127.0.0.1:$port").let { client ->
            try { client.connect().use { block(it.sync()) } } finally { client.shutdown() }
        }

    fun stop() {
        sentinelClient.shutdown()
        listOf(sentinel, replica, master).forEach { it.stop() }
    }
}

/**
 * One portal node as `PortalDemo.main` builds it with `REDIS_URL` set: the Redis store through
 * Sentinel with LOCAL fault tolerance (here with `localShare` = [nodes]), the Redis config
 * store, the portal on Netty on a free loopback port. Records every backend transition.
 */
class ChaosNode(sentinelUri: String, nodes: Int) {
    val store: RedisBucketStore = RedisBucketStore.connect(sentinelUri)
    val tolerant = store.enableFaultTolerance(FaultToleranceMode.LOCAL, FaultToleranceSettings().withLocalShare(nodes))
    /** (System.nanoTime, new state) for every transition. */
    val transitions = CopyOnWriteArrayList<Pair<Long, BackendState>>()
    private val configStore = store.configStore()
    private val server = portalServer(PortalSettings(port = 0), store, host = "127.0.0.1", configStore = configStore)
    val port: Int

    init {
        tolerant.addListener { _, to, _ -> transitions += System.nanoTime() to to }
        server.start(wait = false)
        port = kotlinx.coroutines.runBlocking { server.engine.resolvedConnectors().first().port }
    }

    /** Whether this node decided anywhere but on Redis at some point in [from, to). */
    fun leftRedisDuring(from: Long, to: Long): Boolean {
        val before = transitions.lastOrNull { it.first < from }?.second ?: BackendState.PRIMARY
        return before != BackendState.PRIMARY || transitions.any { it.first in from until to }
    }

    /** Every time this node left Redis (PRIMARY to FALLBACK) in [since, until). */
    fun departures(since: Long, until: Long): List<Long> =
        transitions.zipWithNext().filter { (a, b) -> a.second == BackendState.PRIMARY && b.second != BackendState.PRIMARY }
            .map { it.second.first }
            .plus(listOfNotNull(transitions.firstOrNull()?.takeIf { it.second != BackendState.PRIMARY }?.first))
            .filter { it in since until until }.sorted()

    /** When this node was next back on Redis after [departure], or null if never. */
    fun returnAfter(departure: Long): Long? =
        transitions.firstOrNull { it.first > departure && it.second == BackendState.PRIMARY }?.first

    /** Every transition, as seconds since [origin]. */
    fun timeline(origin: Long): String = transitions.joinToString(", ") { "%.2f %s".format((it.first - origin) / 1e9, it.second) }

    fun stop() {
        server.stop(100, 1_000)
        configStore.close()
        store.close()
    }
}

/** Polls [done] every 20 ms until true, failing after [millis]. */
fun waitFor(what: String, millis: Long, done: () -> Boolean) {
    val deadline = System.nanoTime() + millis * 1_000_000
    while (!runCatching(done).getOrDefault(false)) {
        check(System.nanoTime() < deadline) { "gave up waiting for $what after $millis ms" }
        Thread.sleep(20)
    }
}
