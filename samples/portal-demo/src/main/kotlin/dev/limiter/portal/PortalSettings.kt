package dev.limiter.portal

import dev.limiter.config.LimitsConfig
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom

/**
 * How the portal demo runs, read from the environment: `PORT` (8080), `LIMITS_FILE` (the
 * bundled `portal-limits.yaml`), `ADMIN_TOKEN` (random, printed at start) and `REDIS_URL`
 * (unset: in-memory buckets; set: Redis with local fallback).
 */
class PortalSettings(
    val port: Int = DEFAULT_PORT,
    val limitsYaml: String = bundledLimits(),
    val adminToken: String = randomToken(),
    val redisUrl: String? = null,
) {
    val limits: LimitsConfig = LimitsConfig.parse(limitsYaml)

    companion object {
        // cfgstore: the names the deployment files (deploy/) are checked against.
        const val PORT = "PORT"
        const val LIMITS_FILE = "LIMITS_FILE"
        const val ADMIN_TOKEN = "ADMIN_TOKEN"
        const val REDIS_URL = "REDIS_URL"
        const val DEFAULT_PORT = 8080

        /** Every environment variable [fromEnvironment] reads. */
        val ENVIRONMENT: Set<String> = setOf(PORT, LIMITS_FILE, ADMIN_TOKEN, REDIS_URL)

        fun fromEnvironment(env: Map<String, String> = System.getenv()): PortalSettings {
            val port = env[PORT]?.let {
                requireNotNull(it.toIntOrNull()?.takeIf { p -> p in 0..65535 }) { "PORT must be a port number (0-65535), was '$it'; e.g. PORT=8080" }
            } ?: DEFAULT_PORT
            val yaml = env[LIMITS_FILE]?.let { file ->
                val path = Path.of(file)
                require(Files.isReadable(path)) { "LIMITS_FILE '$file' is not a readable file; point it at a limits YAML such as portal-limits.yaml" }
                Files.readString(path)
            } ?: bundledLimits()
            val token = env[ADMIN_TOKEN]?.takeIf { it.isNotBlank() } ?: randomToken()
            return PortalSettings(port, yaml, token, env[REDIS_URL]?.takeIf { it.isNotBlank() })
        }

        fun bundledLimits(): String = requireNotNull(PortalSettings::class.java.getResource("/portal-limits.yaml")) {
            "portal-limits.yaml is missing from the classpath"
        }.readText()

        private fun randomToken(): String = ByteArray(24).also { SecureRandom().nextBytes(it) }.joinToString("") { "%02x".format(it) }
    }
}
