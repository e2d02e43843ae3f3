package dev.limiter.portal

import dev.limiter.config.LimitsConfig
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom

/**
 * How the portal demo runs, read from the environment: `PORT` (8080), `LIMITS_FILE` (the
 * bundled `portal-limits.yaml`), `ADMIN_TOKEN` (random, printed at start) and `REDIS_URL`
 * (unset: in-memory buckets; set: Redis with local fallback), plus the [RequestLimits].
 */
class PortalSettings(
    val port: Int = DEFAULT_PORT,
    val limitsYaml: String = bundledLimits(),
    val adminToken: String = randomToken(),
    val redisUrl: String? = null,
    val requestLimits: RequestLimits = RequestLimits(),
    /** Whether [adminToken] came from `ADMIN_TOKEN`; then the banner never prints it. */
    val adminTokenFromEnvironment: Boolean = false,
) {
    val limits: LimitsConfig = LimitsConfig.parse(limitsYaml)

    /** The start banner's line about the admin token: a generated token is shown (it is the only way to learn it), one from the environment never. */
    fun adminTokenForBanner(): String = if (adminTokenFromEnvironment) "set (from ADMIN_TOKEN)" else adminToken

    /** [redisUrl] with its user info (password) masked, for printing; `null` when unset. */
    fun redisUrlForBanner(): String? = redisUrl?.let(::maskedUrl)

    companion object {
        // cfgstore: the names the deployment files (deploy/) are checked against.
        const val PORT = "PORT"
        const val LIMITS_FILE = "LIMITS_FILE"
        const val ADMIN_TOKEN = "ADMIN_TOKEN"
        const val REDIS_URL = "REDIS_URL"
        const val DEFAULT_PORT = 8080

        /** Every environment variable [fromEnvironment] reads. */
        val ENVIRONMENT: Set<String> = setOf(PORT, LIMITS_FILE, ADMIN_TOKEN, REDIS_URL) + RequestLimits.ENVIRONMENT

        fun fromEnvironment(env: Map<String, String> = System.getenv()): PortalSettings {
            val port = env[PORT]?.let {
                requireNotNull(it.toIntOrNull()?.takeIf { p -> p in 0..65535 }) { "PORT must be a port number (0-65535), was '$it'; e.g. PORT=8080" }
            } ?: DEFAULT_PORT
            val yaml = env[LIMITS_FILE]?.let { file ->
                val path = Path.of(file)
                require(Files.isReadable(path)) { "LIMITS_FILE '$file' is not a readable file; point it at a limits YAML such as portal-limits.yaml" }
                Files.readString(path)
            } ?: bundledLimits()
            val fromEnv = env[ADMIN_TOKEN]?.takeIf { it.isNotBlank() }
            return PortalSettings(
                port, yaml, fromEnv ?: randomToken(), env[REDIS_URL]?.takeIf { it.isNotBlank() },
                RequestLimits.fromEnvironment(env), adminTokenFromEnvironment = fromEnv != null,
            )
        }

        fun bundledLimits(): String = requireNotNull(PortalSettings::class.java.getResource("/portal-limits.yaml")) {
            "portal-limits.yaml is missing from the classpath"
        }.readText()

        private fun randomToken(): String = ByteArray(24).also { SecureRandom().nextBytes(it) }.joinToString("") { "%02x".format(it) }
    }
}

/**
 * Returns [url] with any user info replaced by `***` (`redis://:***@host:6379/0`); a URL that
 * does not parse is not echoed at all, since its password could be anywhere in it.
 */
internal fun maskedUrl(url: String): String {
    val uri = try {
        java.net.URI(url)
    } catch (e: java.net.URISyntaxException) {
        return "set (from REDIS_URL, not printed: not a URL)"
    }
    if (uri.rawUserInfo == null) return if (uri.host != null) url else "set (from REDIS_URL, not printed: not a URL)"
    return url.replaceFirst(uri.rawUserInfo + "@", "***@")
}
