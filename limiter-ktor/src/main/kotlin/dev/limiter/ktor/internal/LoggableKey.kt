package dev.limiter.ktor.internal

import java.security.MessageDigest

/** Keys shorter than this are logged by their hash alone: four characters of `abc` are all of it. */
internal const val MIN_KEY_LENGTH_FOR_PREFIX: Int = 16

/**
 * The bucket key as it may appear in a log. An API key is a credential, so it is never shown
 * whole: a key of at least [MIN_KEY_LENGTH_FOR_PREFIX] characters shows its first four (a
 * quarter at most, enough to find the developer) and the first 8 hex digits of its SHA-256
 * (`key:dev-…#1a2b3c4d`); a shorter key shows only the hash (`key:…#1a2b3c4d`), since its
 * first four characters would be most or all of it. Principals and addresses are shown as
 * they are.
 */
internal fun loggableKey(bucketKey: String): String {
    if (!bucketKey.startsWith("key:")) return bucketKey
    val secret = bucketKey.removePrefix("key:")
    val digest = MessageDigest.getInstance("SHA-256").digest(secret.toByteArray(Charsets.UTF_8))
    val hash = digest.take(4).joinToString("") { "%02x".format(it) }
    val prefix = if (secret.length >= MIN_KEY_LENGTH_FOR_PREFIX) secret.take(4) else ""
    return "key:$prefix…#$hash"
}
