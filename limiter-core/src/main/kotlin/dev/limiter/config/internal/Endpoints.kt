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

    /**
     * Returns [endpoint] with the method upper-cased and a single space before the path; the
     * text itself when it already is (as the plugin sends it), without a regular expression.
     */
    fun normalize(endpoint: String): String {
        val text = endpoint.trim()
        val space = text.indexOfFirst { it.isWhitespace() }
        if (space < 0) return text
        var pathStart = space
        while (pathStart < text.length && text[pathStart].isWhitespace()) pathStart++
        val path = text.substring(pathStart)
        if (path.any { it.isWhitespace() }) return text // not an endpoint; problem() says why
        val method = text.substring(0, space)
        if (pathStart == space + 1 && method.none { it.isLowerCase() }) return text
        return method.uppercase() + " " + path
    }

    /** Whether a level or limit written for [configured] applies to the normalized [endpoint]. */
    fun matches(configured: String, endpoint: String): Boolean =
        configured == endpoint || (configured.startsWith("/") && endpoint.endsWith(configured) &&
            endpoint.length > configured.length && endpoint[endpoint.length - configured.length - 1] == ' ')

    /** Returns the limit of [endpoint], matched as `METHOD /path`, then as `/path` alone. */
    fun lookup(endpoints: Map<String, EndpointLimit>, endpoint: String): EndpointLimit? {
        if (endpoints.isEmpty()) return null
        val normalized = normalize(endpoint)
        return endpoints[normalized] ?: endpoints[normalized.substringAfter(' ')]
    }
}
