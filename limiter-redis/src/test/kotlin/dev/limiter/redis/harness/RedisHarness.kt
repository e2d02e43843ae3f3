package dev.limiter.redis.harness

import org.testcontainers.DockerClientFactory
import org.testcontainers.containers.GenericContainer
import org.testcontainers.utility.DockerImageName
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.attribute.PosixFilePermission
import kotlin.random.Random

/**
 * Finds or starts a real Redis for the tests, in this order: `REDIS_URL` if set; a
 * `redis-server` on `PATH`; the binary shipped in `com.github.codemonstur:embedded-redis`
 * (a test dependency, so a machine with only a JDK has it); a Testcontainers `redis`
 * container when a Docker engine answers. Servers it starts live until the JVM exits.
 * Tests that need a Redis they can kill or a cluster always start their own processes from
 * a binary.
 */
object RedisHarness {
    /** The URI of the shared standalone Redis. */
    val uri: String by lazy {
        System.getenv("REDIS_URL")?.takeIf { it.isNotBlank() }
            ?: binaryOrNull?.let { RedisServerProcess(it, freePort()).start().uri }
            ?: fromDocker()
            ?: error(
                "no Redis for the tests: set REDIS_URL (e.g. redis://localhost:6379), put redis-server on PATH, " +
                    "or start a Docker engine",
            )
    }

    /** A 3-master Redis Cluster started from the same binary. */
    val cluster: RedisClusterProcesses by lazy { RedisClusterProcesses.start(binary, 3) }

    /** Starts a new standalone `redis-server` on a free port. */
    fun startServer(extraArgs: List<String> = emptyList()): RedisServerProcess =
        RedisServerProcess(binary, freePort(), extraArgs).start()

    /** Starts a Sentinel on a free port watching the master on [masterPort] as `mymaster` (quorum 1). */
    fun startSentinel(masterPort: Int): RedisServerProcess =
        RedisServerProcess(binary, freePort(), leadingArgs = { dir ->
            val config = dir.resolve("sentinel.conf")
            Files.writeString(config, "sentinel monitor mymaster 127.0.0.1 $masterPort 1\n")
            listOf(config.toString(), "--sentinel")
        }).start()

    /** The `redis-server` binary: from `PATH`, else extracted from the embedded-redis jar. */
    val binary: Path
        get() = binaryOrNull ?: error(
            "no redis-server binary for ${System.getProperty("os.name")}/${System.getProperty("os.arch")}: " +
                "put redis-server on PATH (this test starts, kills or clusters its own servers)",
        )

    private val binaryOrNull: Path? by lazy { onPath() ?: fromEmbeddedJar() }

    private fun fromDocker(): String? {
        if (!DockerClientFactory.instance().isDockerAvailable) return null
        val container = RedisContainer(DockerImageName.parse("redis:7-alpine")).withExposedPorts(6379)
        container.start()
        Runtime.getRuntime().addShutdownHook(Thread { container.stop() })
        return "redis://${container.host}:${container.getMappedPort(6379)}"
    }

    private class RedisContainer(image: DockerImageName) : GenericContainer<RedisContainer>(image)

    private fun onPath(): Path? = System.getenv("PATH").orEmpty().split(java.io.File.pathSeparatorChar)
        .map { Path.of(it, "redis-server") }
        .firstOrNull { Files.isExecutable(it) }

    private fun fromEmbeddedJar(): Path? {
        val os = System.getProperty("os.name").lowercase()
        val arch = System.getProperty("os.arch").lowercase()
        val name = when {
            os.contains("linux") && (arch == "amd64" || arch == "x86_64") -> "redis-server-6.2.6-v5-linux-amd64"
            os.contains("linux") && arch == "aarch64" -> "redis-server-6.2.7-linux-arm64"
            os.contains("mac") && arch == "aarch64" -> "redis-server-6.2.6-v5-darwin-arm64"
            os.contains("mac") -> "redis-server-6.2.6-v5-darwin-amd64"
            else -> return null
        }
        val stream = RedisHarness::class.java.getResourceAsStream("/$name") ?: return null
        val target = Files.createTempDirectory("limiter-redis-bin-").resolve("redis-server")
        stream.use { Files.copy(it, target, StandardCopyOption.REPLACE_EXISTING) }
        Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(target) + PosixFilePermission.OWNER_EXECUTE)
        target.toFile().deleteOnExit()
        return target
    }

    /** A free port whose cluster bus port (port + 10000) is free too. */
    fun freePort(): Int {
        repeat(100) {
            val port = Random.nextInt(20_000, 50_000)
            if (isFree(port) && isFree(port + 10_000)) return port
        }
        error("found no free port pair for redis-server")
    }

    private fun isFree(port: Int): Boolean = try {
        ServerSocket(port).use { true }
    } catch (_: java.io.IOException) {
        false
    }
}
