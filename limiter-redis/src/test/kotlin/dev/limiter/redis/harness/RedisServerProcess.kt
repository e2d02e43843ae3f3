package dev.limiter.redis.harness

import java.io.File
import java.net.InetSocketAddress
import java.net.Socket
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A `redis-server` process this test JVM started, on 127.0.0.1:[port], with no persistence.
 *
 * [kill] and [start] let fault-tolerance tests take Redis away and bring it back (empty, like
 * a real restart without persistence). Every process is stopped when the JVM exits.
 */
class RedisServerProcess(
    private val binary: Path,
    val port: Int,
    private val extraArgs: List<String> = emptyList(),
    /** Arguments that must come first, such as a Sentinel's config file and `--sentinel`. */
    private val leadingArgs: (dir: Path) -> List<String> = { emptyList() },
) {
    private val dir: Path = Files.createTempDirectory("limiter-redis-$port-")

    @Volatile
    private var process: Process? = null

    val uri: String get() = "redis://127.0.0.1:$port"

    val isRunning: Boolean get() = process?.isAlive == true

    fun start(): RedisServerProcess {
        check(!isRunning) { "redis-server on port $port is already running" }
        val command = listOf(binary.toString()) + leadingArgs(dir) + listOf(
            "--port", port.toString(), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no",
        ) + extraArgs
        val started = ProcessBuilder(command).directory(dir.toFile())
            .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start()
        process = started
        RUNNING.add(this)
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (!answersPing()) {
            check(started.isAlive) { "redis-server on port $port exited: ${log()}" }
            check(System.nanoTime() < deadline) { "redis-server on port $port did not answer within 10 s: ${log()}" }
            Thread.sleep(20)
        }
        return this
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    fun kill() {
        process?.let {
            it.destroyForcibly()
            it.waitFor(10, TimeUnit.SECONDS)
        }
        process = null
    }

    fun stop() {
        process?.let {
            it.destroy()
            if (!it.waitFor(5, TimeUnit.SECONDS)) it.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
        }
        process = null
        RUNNING.remove(this)
    }

    private fun answersPing(): Boolean = try {
        Socket().use { socket ->
            socket.connect(InetSocketAddress("127.0.0.1", port), 200)
            socket.soTimeout = 500
            socket.getOutputStream().write("PING\r\n".toByteArray())
            val buffer = ByteArray(7)
            val read = socket.getInputStream().read(buffer)
            read > 0 && String(buffer, 0, read).startsWith("+PONG")
        }
    } catch (_: java.io.IOException) {
        false
    }

    private fun log(): String = File(dir.toFile(), "redis.log").takeIf { it.exists() }?.readText()?.takeLast(2_000) ?: ""

    companion object {
        private val RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet<RedisServerProcess>()

        init {
            Runtime.getRuntime().addShutdownHook(Thread { RUNNING.toList().forEach { it.stop() } })
        }
    }
}
