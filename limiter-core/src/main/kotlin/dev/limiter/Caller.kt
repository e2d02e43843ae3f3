package dev.limiter

/**
 * Who a request comes from, as [RateLimits] sees it: the [key] that selects the tier and is
 * matched against the allow and deny lists, and the [bucketKey] its own buckets are kept under.
 *
 * API keys keep their buckets under the key itself, so `/v1/check` for `dev-42`, the plugin's
 * calls with `X-API-Key: dev-42` and `GET /admin/limits/keys/dev-42` all see the same bucket.
 * Principals and anonymous callers live in namespaces of their own (`user:`, `ip:`); an API key
 * that itself starts with one of those prefixes (or `key:`) is kept under `key:` + the key, so
 * no caller can pick another caller's bucket by choosing its key.
 */
public class Caller private constructor(
    /** The key for tiers and lists: an API key or principal name; `null` for an anonymous caller. */
    public val key: String?,
    /** The key of the caller's own buckets in the store. */
    public val bucketKey: String,
) {
    override fun equals(other: Any?): Boolean = other is Caller && other.key == key && other.bucketKey == bucketKey

    override fun hashCode(): Int = 31 * (key?.hashCode() ?: 0) + bucketKey.hashCode()

    override fun toString(): String = "Caller($bucketKey)"

    public companion object {
        private val RESERVED = arrayOf("key:", "user:", "ip:")

        /** A caller identified by an API key, which also selects its tier in the config's `keys`. */
        @JvmStatic
        public fun apiKey(key: String): Caller = Caller(key, bucketKeyOf(key))

        /** A caller identified by an authenticated principal's name, which also selects its tier. */
        @JvmStatic
        public fun principal(name: String): Caller = Caller(name, "user:$name")

        /** An anonymous caller, limited by its client [address] under the default policy. */
        @JvmStatic
        public fun address(address: String): Caller = Caller(null, "ip:$address")

        /**
         * Returns the caller a bucket key written as `user:<name>`, `ip:<address>`, `key:<api key>`
         * or a bare API key denotes; for admin routes that take a key from a URL.
         */
        @JvmStatic
        public fun parse(text: String): Caller = when {
            text.startsWith("user:") -> principal(text.substring(5))
            text.startsWith("ip:") -> address(text.substring(3))
            text.startsWith("key:") -> apiKey(text.substring(4))
            else -> apiKey(text)
        }

        private fun bucketKeyOf(key: String): String {
            for (prefix in RESERVED) if (key.startsWith(prefix)) return "key:$key"
            return key
        }
    }
}
