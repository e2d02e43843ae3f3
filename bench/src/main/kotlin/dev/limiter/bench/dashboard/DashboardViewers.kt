package dev.limiter.bench.dashboard

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.ktor.RateLimiting
import dev.limiter.ktor.rateLimitDashboard
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.runBlocking
import java.lang.management.ManagementFactory
import java.net.Socket
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * What the live dashboard costs the server per tick with 0, 1, 10 and 100 open SSE viewers:
 * CPU time of the server's threads (viewers and the load generator excluded, each on its own
 * named thread) and bytes sent to the viewers, over the same light, paced load.
 *
 * `java -Dslf4j.provider=org.slf4j.nop.NOPServiceProvider -cp ... dev.limiter.bench.dashboard.DashboardViewersKt
 * [seconds] [tickMillis]` prints one Markdown table row per viewer count (the provider setting
 * keeps the plugin's violation log out of the figures).
 */
fun main(args: Array<String>) {
    val seconds = args.getOrNull(0)?.toLong() ?: 20
    val tickMillis = args.getOrNull(1)?.toLong() ?: 250
    val token = "bench-dashboard-token-0123456789"
    val server = embeddedServer(CIO, port = 0, host = "127.0.0.1") {
        install(RateLimiting) {
            meterRegistry = SimpleMeterRegistry()
            policy("free", LimitPolicy.tokenBucket(40, Rate.parse("10/s")))
            policy("pro", LimitPolicy.tokenBucket(400, Rate.parse("100/s")))
        }
        routing {
            get("/hello") { call.respondText("hello") }
            rateLimitDashboard(token, tick = Duration.ofMillis(tickMillis))
        }
    }.start(wait = false)
    val port = runBlocking { server.engine.resolvedConnectors().first().port }
    val running = AtomicBoolean(true)
    val load = Thread({ paceLoad(port, running) }, "load").apply { isDaemon = true; start() }
    println("| viewers | ticks | server CPU ms per tick | bytes sent per tick | bytes per viewer per tick |")
    println("|---:|---:|---:|---:|---:|")
    try {
        Thread.sleep(3_000) // warm-up: JIT, first snapshots
        for (viewers in listOf(0, 1, 10, 100)) measure(port, token, viewers, seconds, tickMillis)
    } finally {
        running.set(false)
        load.join(2_000)
        server.stop(0, 1_000)
    }
}

private fun measure(port: Int, token: String, viewers: Int, seconds: Long, tickMillis: Long) {
    val bytes = AtomicLong()
    val sockets = (1..viewers).map { Socket("127.0.0.1", port) }
    val readers = sockets.mapIndexed { i, socket ->
        Thread({ readStream(socket, token, bytes) }, "viewer-$i").apply { isDaemon = true; start() }
    }
    Thread.sleep(2_000) // every viewer connected and past its first snapshot
    val cpuBefore = serverCpuNanos()
    val bytesBefore = bytes.get()
    Thread.sleep(seconds * 1_000)
    val cpu = serverCpuNanos() - cpuBefore
    val sent = bytes.get() - bytesBefore
    val ticks = seconds * 1_000 / tickMillis
    val perViewer = if (viewers == 0) "–" else (sent / ticks / viewers).toString()
    println("| $viewers | $ticks | ${"%.3f".format(cpu / 1e6 / ticks)} | ${sent / ticks} | $perViewer |")
    sockets.forEach { it.close() }
    readers.forEach { it.join(1_000) }
}

private fun readStream(socket: Socket, token: String, bytes: AtomicLong) {
    runCatching {
        socket.getOutputStream().write(
            ("GET /admin/limits/dashboard/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer $token\r\n" +
                "Accept: text/event-stream\r\n\r\n").toByteArray(),
        )
        val input = socket.getInputStream()
        val buffer = ByteArray(16 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) break
            bytes.addAndGet(n.toLong())
        }
    }
}

/** About 20 requests a second over five keys, one at a time, paced: the counters move, the load stays small. */
private fun paceLoad(port: Int, running: AtomicBoolean) {
    val keys = listOf("dev-1", "dev-2", "dev-3", "dev-4", "dev-5")
    var i = 0
    while (running.get()) {
        runCatching {
            Socket("127.0.0.1", port).use { s ->
                s.getOutputStream().write(
                    "GET /hello HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${keys[i++ % keys.size]}\r\nConnection: close\r\n\r\n".toByteArray(),
                )
                s.getInputStream().readAllBytes()
            }
        }
        Thread.sleep(50)
    }
}

/** CPU time of every live thread but the viewers and the load generator. */
private fun serverCpuNanos(): Long {
    val threads = ManagementFactory.getThreadMXBean()
    return threads.allThreadIds.sumOf { id ->
        val info = threads.getThreadInfo(id) ?: return@sumOf 0L
        if (info.threadName.startsWith("viewer-") || info.threadName == "load") 0L
        else threads.getThreadCpuTime(id).coerceAtLeast(0)
    }
}
