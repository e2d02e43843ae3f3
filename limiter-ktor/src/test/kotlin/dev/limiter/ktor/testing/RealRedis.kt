package dev.limiter.ktor.testing

import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.attribute.PosixFilePermission
import java.util.concurrent.TimeUnit

/**
 * A real `redis-server` for tests: `REDIS_URL` when set, else the binary shipped in
 * `com.github.codemonstur:embedded-redis` started on a free port; stopped when the JVM exits.
 *
 * The same approach as limiter-redis's test harness (which is not published as a test-jar).
 */
object RealRedis {
    val uri: String by lazy { System.getenv("REDIS_URL")?.takeIf { it.isNotBlank() } ?: start().first }

    /** Starts a server of its own, for a test that kills it; returns its URI and process. */
    fun start(): Pair<String, Process> {
        val port = ServerSocket(0).use { it.localPort }
        val dir = Files.createTempDirectory("limiter-ktor-redis-")
        val process = ProcessBuilder(
            binary.toString(), "--port", "$port", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", dir.toString(), "--protected-mode", "no",
        ).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start()
        Runtime.getRuntime().addShutdownHook(Thread { process.destroy(); process.waitFor(5, TimeUnit.SECONDS) })
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (!answersPing(port)) {
            check(process.isAlive) { "redis-server exited: ${dir.resolve("redis.log").toFile().readText()}" }
            check(System.nanoTime() < deadline) { "redis-server on port $port did not answer within 10 s" }
            Thread.sleep(20)
        }
        return "redis://127.0.0.1:$port" to process
    }

    private val binary: Path by lazy { extractBinary() }

    private fun extractBinary(): Path {
        val arch = System.getProperty("os.arch").lowercase()
        val name = if (arch == "aarch64") "redis-server-6.2.7-linux-arm64" else "redis-server-6.2.6-v5-linux-amd64"
        val stream = RealRedis::class.java.getResourceAsStream("/$name")
            ?: error("embedded-redis has no $name for ${System.getProperty("os.name")}/$arch; set REDIS_URL instead")
        val target = Files.createTempDirectory("limiter-ktor-redis-bin-").resolve("redis-server")
        stream.use { Files.copy(it, target, StandardCopyOption.REPLACE_EXISTING) }
        Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(target) + PosixFilePermission.OWNER_EXECUTE)
        target.toFile().deleteOnExit()
        return target
    }

    private fun answersPing(port: Int): Boolean = try {
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
}
