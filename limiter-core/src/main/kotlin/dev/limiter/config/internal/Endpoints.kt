package dev.limiter.config.internal

import dev.limiter.config.EndpointLimit

/** Endpoint names: `METHOD /path` or `/path` (any method), compared in normalized form. */
internal object Endpoints {
    val METHODS: Set<String> = setOf("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")

    /** Returns why [endpoint] is not a valid endpoint name, or `null` when it is. */
    fun problem(endpoint: String): String? {
        val parts = endpoint.trim().split(Regex("\\s+"))
        val path = parts.last()
        return when {
            parts.size > 2 || path.isEmpty() ->
                "endpoint '$endpoint' must be 'METHOD /path' or '/path', such as 'POST /reports'"
            parts.size == 2 && parts[0].uppercase() !in METHODS ->
                "unknown HTTP method '${parts[0]}' in endpoint '$endpoint'; use one of ${METHODS.joinToString(", ")}"
            !path.startsWith("/") ->
                "endpoint path '$path' must start with '/', such as 'POST /reports'"
            else -> null
        }
    }

    /** Returns [endpoint] with the method upper-cased and a single space before the path. */
    fun normalize(endpoint: String): String {
        val parts = endpoint.trim().split(Regex("\\s+"))
        return if (parts.size == 2) parts[0].uppercase() + " " + parts[1] else endpoint.trim()
    }

    /** Returns the limit of [endpoint], matched as `METHOD /path`, then as `/path` alone. */
    fun lookup(endpoints: Map<String, EndpointLimit>, endpoint: String): EndpointLimit? {
        if (endpoints.isEmpty()) return null
        val normalized = normalize(endpoint)
        return endpoints[normalized] ?: endpoints[normalized.substringAfter(' ')]
    }
}
