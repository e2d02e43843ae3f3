package dev.limiter.ktor.internal

/**
 * An allow or deny list: API keys matched exactly, IP addresses and CIDR ranges matched
 * against the client address.
 */
internal class AccessRules(entries: List<String>) {
    private val ranges = entries.mapNotNull { IpRange.parseOrNull(it) }
    private val keys = entries.filter { IpRange.parseOrNull(it) == null }.toSet()

    /** Whether the client with [id] (an API key or principal, or `null`) at [address] is listed. */
    fun matches(id: String?, address: String): Boolean =
        (id != null && id in keys) || ranges.any { it.contains(address) }
}
