package dev.limiter.config.internal

/**
 * An allow or deny list: exact keys plus IP addresses and CIDR ranges, matched against a
 * request's key and client address.
 */
internal class AccessList private constructor(private val keys: Set<String>, private val ranges: List<CidrRange>) {
    fun matches(key: String?, address: String?): Boolean {
        if (keys.isEmpty() && ranges.isEmpty()) return false
        if (key != null && key in keys) return true
        if (address == null || ranges.isEmpty()) return false
        val bytes = CidrRange.parseAddress(address.trim()) ?: return false
        return ranges.any { it.contains(bytes) }
    }

    companion object {
        /** Returns the list of [entries]; an entry that is an address or range matches addresses, any other a key. */
        fun of(entries: List<String>): AccessList {
            val keys = HashSet<String>()
            val ranges = ArrayList<CidrRange>()
            for (entry in entries) {
                if (CidrRange.looksLikeAddress(entry)) {
                    ranges += requireNotNull(CidrRange.parse(entry)) { CidrRange.problem(entry) ?: "invalid address '$entry'" }
                } else {
                    keys += entry
                }
            }
            return AccessList(keys, ranges)
        }
    }
}
