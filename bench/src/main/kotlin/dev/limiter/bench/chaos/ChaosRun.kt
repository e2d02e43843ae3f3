@file:JvmName("ChaosRun")

package dev.limiter.bench.chaos

import java.time.Duration
import kotlin.system.exitProcess

/*
 * The chaos run of issue 14: three portal nodes on one Redis master with a replica and a
 * Sentinel, under steady load, while Redis is paused, killed, restarted empty and failed over.
 * Run with bench/chaos.sh. Prints one row per phase and exits 1 if an assertion fails.
 */

private const val NODES = 3
private const val KEYS = 4
private const val PERIOD_MS = 8L // per key: 125 requests/s against the `free` policy's 10/s
private const val CAPACITY = 40.0 // portal-limits.yaml `free`: capacity 40, refill 10/s
private const val RATE = 10.0
private val PROBE_INTERVAL: Duration = Duration.ofSeconds(1) // FaultToleranceSettings default
private val PROBE_TOLERANCE: Duration = Duration.ofMillis(500) // reconnect delay (<= 100 ms), command timeout, a loaded 2-core machine
private val REQUEST_TIMEOUT: Duration = Duration.ofSeconds(2)

/**
 * [redisStates]: how many Redis bucket states decisions can come from in the phase (2 when a
 * failover moves them to another server, whose copy may hold more permits than the old one).
 */
private class Phase(val name: String, val seconds: Long, val redisStates: Int = 1, val action: (ChaosRedis) -> Recovery?)

/** When Redis answered again ([backAt]) after an outage that began at [outageAt] (System.nanoTime). */
private class Recovery(val outageAt: Long, val backAt: Long, val note: String)

@Volatile private var current = 0
private var pending: Recovery? = null

fun main() {
    val phases = listOf(
        Phase("warm-up (cold JVMs)", 5) { null },
        Phase("steady", 8) { null },
        Phase("paused (CLIENT PAUSE 4 s)", 10) { r ->
            r.redis(r.master.port) { redis ->
                // Redis pauses when it runs the command, so the pause ends at most 4 s after this (conservative "back").
                val at = System.nanoTime()
                redis.clientPause(4_000)
                Recovery(at, at + 4_000_000_000, "pause sent; back = sent + 4 s (the earliest it can end)")
            }
        },
        Phase("killed (SIGKILL master)", 6) { r ->
            pending = Recovery(System.nanoTime(), 0, "")
            r.master.kill()
            null
        },
        Phase("restarted empty", 10) { r ->
            val outage = pending!!.outageAt
            val back = System.nanoTime() // the process is launched now: "back" before it can answer (conservative)
            r.master.start()
            val keys = r.redis(r.master.port) { it.dbsize() }
            Recovery(outage, back, "restart launched; back = launch time; DBSIZE $keys once it answered")
        },
        Phase("failover (kill master, Sentinel promotes replica)", 15, redisStates = 2) { r ->
            r.sentinel { it.set("mymaster", "down-after-milliseconds", "1000") }
            val at = System.nanoTime()
            r.master.kill()
            waitFor("Sentinel to promote the replica", 30_000) { r.masterPort() == r.replica.port }
            val back = System.nanoTime()
            Recovery(at, back, "master killed; back = Sentinel names the replica (polled every 20 ms), %.1f s after the kill".format((back - at) / 1e9))
        },
        Phase("steady on promoted replica", 8) { null },
        Phase("old master back as a replica", 8) { r ->
            r.master.start() // Sentinel turns it into a replica of the promoted one
            waitFor("the old master to replicate", 20_000) {
                r.redis(r.master.port) { it.info("replication").contains("master_link_status:up") } &&
                    r.sentinel { s -> s.replicas("mymaster").any { it["port"] == r.master.port.toString() && it["flags"] == "slave" } }
            }
            null
        },
        Phase("SENTINEL FAILOVER back to it", 20, redisStates = 2) { r ->
            val at = System.nanoTime()
            r.sentinel { it.failover("mymaster") }
            waitFor("Sentinel to name the old master again", 30_000) { r.masterPort() == r.master.port }
            val back = System.nanoTime()
            Recovery(at, back, "SENTINEL FAILOVER sent; back = Sentinel names the old master (polled every 20 ms), %.1f s later".format((back - at) / 1e9))
        },
    )
    val counts = phases.map { PhaseCounts(KEYS) }
    val redis = ChaosRedis()
    redis.awaitReplicaKnown()
    val nodes = (1..NODES).map { ChaosNode(redis.sentinelUri, NODES) }
    val load = ChaosLoad(nodes.map { it.port }, KEYS, PERIOD_MS, REQUEST_TIMEOUT, counts) { current }
    println("chaos run: $NODES portal nodes on ports ${nodes.map { it.port }}, master ${redis.master.port}, " +
        "replica ${redis.replica.port}, sentinel ${redis.sentinel.port}; $KEYS keys at ${1000 / PERIOD_MS}/s each")
    load.start()
    val starts = LongArray(phases.size + 1)
    val local = LongArray(phases.size + 1) // decisions taken locally (FaultTolerantBucketStore.fallbackDecisions), all nodes
    val recoveries = arrayOfNulls<Recovery>(phases.size)
    for ((i, phase) in phases.withIndex()) {
        starts[i] = System.nanoTime()
        local[i] = nodes.sumOf { it.tolerant.fallbackDecisions }
        current = i
        recoveries[i] = phase.action(redis)
        val left = starts[i] + phase.seconds * 1_000_000_000 - System.nanoTime()
        if (left > 0) Thread.sleep(left / 1_000_000)
    }
    starts[phases.size] = System.nanoTime()
    local[phases.size] = nodes.sumOf { it.tolerant.fallbackDecisions }
    load.stop()
    // Script effects replicate as plain commands, so EVALSHA calls on the final master are the nodes' own.
    val finalMaster = redis.masterPort()
    val evalshasOnFinalMaster = redis.redis(finalMaster) { r ->
        r.info("commandstats").lines().firstOrNull { it.startsWith("cmdstat_evalsha:") }
            ?.substringAfter("calls=")?.substringBefore(',')?.toLong() ?: 0L
    }
    val finalStates = nodes.map { it.tolerant.backendState }
    nodes.forEach { it.stop() }
    redis.stop()

    val failures = ArrayList<String>()
    println()
    println("| Phase | s | Requests | 2xx | 429 | 5xx | Other | Caller errors | Nodes off Redis | Local decisions | Admitted per key (max) | Bound per key | Back on Redis (per node) |")
    println("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for ((i, phase) in phases.withIndex()) {
        val c = counts[i]
        val seconds = (starts[i + 1] - starts[i]) / 1e9
        val off = nodes.count { it.leftRedisDuring(starts[i], starts[i + 1]) }
        val locally = local[i + 1] - local[i] // also counts a failed decision while the circuit was still closed
        // fault-tolerance.md: one Redis bucket admits at most C + R*T per key (C more for each other Redis state
        // the phase moved to); while nodes decide locally with localShare N, the N local buckets admit at most
        // C + R*T between them. A phase with any local decision adds both.
        val bound = CAPACITY * phase.redisStates + RATE * seconds + (if (locally > 0) CAPACITY + RATE * seconds else 0.0)
        val admitted = (0 until KEYS).maxOf { c.admittedPerKey[it] }
        val back = recoveries[i]?.let { r -> backTimes(nodes, r, starts[i + 1], failures, phase.name) } ?: "-"
        println("| ${phase.name} | %.1f | ${c.requests} | ${c.ok} | ${c.limited} | ${c.serverErrors} | ${c.otherStatus} | ${c.callerErrors} | $off | $locally | $admitted | %.0f | $back |"
            .format(seconds, bound))
        if (c.serverErrors.get() > 0) failures += "${phase.name}: ${c.serverErrors} 5xx"
        if (c.callerErrors.get() > 0) failures += "${phase.name}: ${c.callerErrors} caller errors, first: ${c.firstCallerError}"
        if (c.otherStatus.get() > 0) failures += "${phase.name}: ${c.otherStatus} answers neither 2xx, 429 nor 5xx"
        if (admitted > bound) failures += "${phase.name}: a key was admitted $admitted times, bound %.0f".format(bound)
    }
    println()
    nodes.forEachIndexed { n, node -> println("node ${n + 1} transitions (s since the run began): ${node.timeline(starts[0])}") }
    println("phases began at (s): ${phases.indices.joinToString(", ") { "%.1f".format((starts[it] - starts[0]) / 1e9) }}")
    recoveries.filterNotNull().forEach { println("note: ${it.note}") }
    println("note: the master Sentinel names at the end (port $finalMaster) ran $evalshasOnFinalMaster EVALSHA since it started")
    println("note: backend state of each node at the end: $finalStates")
    if (finalStates.any { it != dev.limiter.BackendState.PRIMARY }) failures += "a node was not on Redis at the end: $finalStates"
    if (finalMaster != redis.master.port) failures += "Sentinel names port $finalMaster, not the master failed back to"
    if (evalshasOnFinalMaster == 0L) failures += "no decision reached the master Sentinel names at the end"
    println("note: bound on back-on-Redis = probe interval ${PROBE_INTERVAL.toMillis()} ms + ${PROBE_TOLERANCE.toMillis()} ms tolerance")
    if (failures.isEmpty()) {
        println("PASS: no 5xx, no caller errors, admitted within the bound, back on Redis within one probe interval")
    } else {
        failures.forEach { println("FAIL: $it") }
        exitProcess(1)
    }
    exitProcess(0)
}

/**
 * Per node: the longest time off Redis that Redis did not explain, "stayed" if the node never
 * left it. For each time the node left Redis in the phase, its return is counted from when
 * Redis answered again, or from the departure if that came later (a demoted master drops its
 * clients only when Sentinel reconfigures it; a timeout under load opens the circuit too).
 */
private fun backTimes(nodes: List<ChaosNode>, r: Recovery, phaseEnd: Long, failures: MutableList<String>, phase: String): String =
    nodes.joinToString(" / ") { node ->
        val departures = node.departures(r.outageAt, phaseEnd)
        if (departures.isEmpty()) return@joinToString "stayed"
        val limit = (PROBE_INTERVAL + PROBE_TOLERANCE).toMillis()
        val delays = departures.map { d -> node.returnAfter(d)?.let { (it - maxOf(d, r.backAt)) / 1_000_000 } }
        val worst = if (delays.any { it == null }) null else delays.maxOf { it!! }
        if (worst == null || worst > limit) failures += "$phase: a node was back on Redis after ${worst ?: "never"} ms, limit $limit"
        val text = worst?.let { "${maxOf(it, 0)} ms" } ?: "never"
        if (departures.size > 1) "$text (${departures.size}x)" else text
    }
