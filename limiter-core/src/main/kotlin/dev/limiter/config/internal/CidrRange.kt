package dev.limiter.config.internal

/**
 * An IPv4 or IPv6 address range such as `10.0.0.0/8`; a bare address is a range of one.
 *
 * The one parser of addresses and ranges in limiter (allow and deny lists, trusted proxies):
 * literals only, never a DNS lookup. Public only so that limiter-ktor can share it; not part
 * of the API.
 */
public class CidrRange private constructor(private val network: ByteArray, private val prefix: Int) {
    /** Whether the address [address] (its bytes) lies in this range. */
    public fun contains(address: ByteArray): Boolean {
        if (address.size != network.size) return false
        val full = prefix / 8
        for (i in 0 until full) if (address[i] != network[i]) return false
        val rest = prefix % 8
        if (rest == 0) return true
        val mask = (0xFF shl (8 - rest)) and 0xFF
        return (address[full].toInt() and mask) == (network[full].toInt() and mask)
    }

    /** Whether the literal address [address] lies in this range; false for anything that is not an address. */
    public fun contains(address: String): Boolean = parseAddress(address.trim())?.let(::contains) ?: false

    override fun toString(): String = "${network(network, prefix)}/$prefix"

    /** Parsing of addresses and ranges. */
    public companion object {
        private val IPV4 = Regex("""^\d{1,3}(\.\d{1,3}){3}$""")
        private val IPV6 = Regex("""^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$""")

        /** Whether [entry] is meant as an address or range (digits and dots, or hex and colons, maybe a prefix). */
        public fun looksLikeAddress(entry: String): Boolean {
            val address = entry.trim().substringBefore('/')
            return address.isNotEmpty() && (address.all { it.isDigit() || it == '.' } || IPV6.matches(address))
        }

        /** Returns why [entry] is not a valid address or CIDR range, or `null` when it is. */
        public fun problem(entry: String): String? {
            val text = entry.trim()
            val address = text.substringBefore('/')
            val bytes = parseAddress(address)
                ?: return "invalid IP address '$address' in '$entry'; write an address such as 10.0.0.1 or 2001:db8::1, " +
                    "or a CIDR range such as 10.0.0.0/8"
            if ('/' !in text) return null
            val bits = bytes.size * 8
            val prefix = text.substringAfter('/').toIntOrNull()
            if (prefix == null || prefix !in 0..bits) {
                return "invalid CIDR prefix in '$entry'; the prefix after '/' must be a whole number from 0 to $bits"
            }
            if (hostBitsSet(bytes, prefix)) {
                return "CIDR range '$entry' has host bits set after the /$prefix prefix; " +
                    "write the network address, such as ${network(bytes, prefix)}/$prefix"
            }
            return null
        }

        /** Returns the range [entry] denotes, or `null` when it is not valid (see [problem]). */
        public fun parse(entry: String): CidrRange? {
            if (problem(entry) != null) return null
            val text = entry.trim()
            val bytes = parseAddress(text.substringBefore('/')) ?: return null
            val prefix = if ('/' in text) text.substringAfter('/').toInt() else bytes.size * 8
            return CidrRange(bytes, prefix)
        }

        /** Returns the bytes of an IPv4 or IPv6 literal, or `null`; never resolves host names. */
        public fun parseAddress(text: String): ByteArray? = when {
            IPV4.matches(text) -> text.split('.').map { it.toInt() }.takeIf { parts -> parts.all { it in 0..255 } }
                ?.map { it.toByte() }?.toByteArray()
            IPV6.matches(text) -> parseIpv6(text)
            else -> null
        }

        private fun parseIpv6(text: String): ByteArray? {
            if (text.count { it == ':' } < 2 || text.indexOf("::") != text.lastIndexOf("::")) return null
            val (head, tail) = if ("::" in text) text.substringBefore("::") to text.substringAfter("::") else text to null
            val headGroups = groups(head) ?: return null
            val tailGroups = if (tail == null) emptyList() else groups(tail) ?: return null
            val missing = 8 - headGroups.size - tailGroups.size
            if (tail == null && missing != 0 || tail != null && missing < 1) return null
            val all = headGroups + List(if (tail == null) 0 else missing) { 0 } + tailGroups
            return ByteArray(16) { i -> (all[i / 2] shr (if (i % 2 == 0) 8 else 0)).toByte() }
        }

        private fun groups(text: String): List<Int>? {
            if (text.isEmpty()) return emptyList()
            val parts = text.split(':')
            val last = parts.last()
            val ipv4 = if ('.' in last) parseAddress(last)?.takeIf { it.size == 4 } ?: return null else null
            val hex = if (ipv4 != null) parts.dropLast(1) else parts
            val values = hex.map { part -> if (part.length in 1..4) part.toIntOrNull(16) ?: return null else return null }
            return if (ipv4 == null) values else values + listOf(
                ((ipv4[0].toInt() and 0xFF) shl 8) or (ipv4[1].toInt() and 0xFF),
                ((ipv4[2].toInt() and 0xFF) shl 8) or (ipv4[3].toInt() and 0xFF),
            )
        }

        private fun hostBitsSet(bytes: ByteArray, prefix: Int): Boolean =
            bytes.indices.any { i ->
                val keep = (prefix - i * 8).coerceIn(0, 8)
                (bytes[i].toInt() and (0xFF shr keep)) != 0
            }

        private fun network(bytes: ByteArray, prefix: Int): String {
            val masked = ByteArray(bytes.size) { i ->
                val keep = (prefix - i * 8).coerceIn(0, 8)
                (bytes[i].toInt() and ((0xFF shl (8 - keep)) and 0xFF)).toByte()
            }
            return if (masked.size == 4) masked.joinToString(".") { (it.toInt() and 0xFF).toString() }
            else java.net.InetAddress.getByAddress(masked).hostAddress
        }
    }
}
