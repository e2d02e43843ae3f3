package dev.limiter.ktor.internal

import java.net.InetAddress

/**
 * An IP address or CIDR range, such as `10.0.0.0/8`, `192.168.1.7` or `::1/128`.
 *
 * Only literal addresses are accepted: parsing never resolves a host name, so a forwarded
 * header can never make the server do a DNS lookup.
 */
internal class IpRange private constructor(private val network: ByteArray, private val prefix: Int) {

    /** Whether [address] (a literal IP address) lies in this range; false for anything else. */
    fun contains(address: String): Boolean {
        val bytes = literalBytes(address) ?: return false
        if (bytes.size != network.size) return false
        var bits = prefix
        for (i in network.indices) {
            if (bits <= 0) break
            val mask = if (bits >= 8) 0xFF else (0xFF shl (8 - bits)) and 0xFF
            if ((bytes[i].toInt() and mask) != (network[i].toInt() and mask)) return false
            bits -= 8
        }
        return true
    }

    override fun toString(): String = "${InetAddress.getByAddress(network).hostAddress}/$prefix"

    companion object {
        private val IPV4 = Regex("""^\d{1,3}(\.\d{1,3}){3}$""")
        private val IPV6 = Regex("""^[0-9a-fA-F:.]+$""")

        /** Returns the range [text] describes, or `null` when it is not an address or CIDR range. */
        fun parseOrNull(text: String): IpRange? {
            val trimmed = text.trim()
            val slash = trimmed.indexOf('/')
            val address = if (slash < 0) trimmed else trimmed.substring(0, slash)
            val bytes = literalBytes(address) ?: return null
            val max = bytes.size * 8
            val prefix = if (slash < 0) max else trimmed.substring(slash + 1).toIntOrNull() ?: return null
            if (prefix !in 0..max) return null
            return IpRange(bytes, prefix)
        }

        /** Returns the range [text] describes, or throws naming [field] and the fix. */
        fun parse(text: String, field: String): IpRange = parseOrNull(text) ?: throw IllegalArgumentException(
            "$field: '$text' is not an IP address or CIDR range; write e.g. 10.0.0.0/8, 192.168.1.7 or ::1",
        )

        /** Returns the address bytes of a literal IPv4 or IPv6 address, or `null`; never resolves names. */
        fun literalBytes(address: String): ByteArray? {
            val a = address.trim().removePrefix("[").removeSuffix("]")
            if (a.isEmpty()) return null
            val literal = IPV4.matches(a) && a.split('.').all { it.toInt() <= 255 } || (a.contains(':') && IPV6.matches(a))
            if (!literal) return null
            return try {
                InetAddress.getByName(a).address
            } catch (_: Exception) {
                null
            }
        }
    }
}
