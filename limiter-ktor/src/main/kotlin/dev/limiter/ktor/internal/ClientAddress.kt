package dev.limiter.ktor.internal

import dev.limiter.config.internal.CidrRange
import io.ktor.server.application.ApplicationCall
import io.ktor.http.HttpHeaders

/**
 * Finds the address of the client behind a call, trusting forwarded headers only when the
 * peer that sent them is one of [trustedProxies].
 *
 * The forwarded chain is read from the right (the hop nearest to us) and trusted proxies are
 * skipped, so the answer is the first hop that is not ours: a client cannot claim another
 * client's address by prepending entries to `X-Forwarded-For` or `Forwarded`.
 */
internal class ClientAddress(private val trustedProxies: List<CidrRange>) {

    fun of(call: ApplicationCall): String {
        val peer = call.request.local.remoteAddress
        if (!trusted(peer)) return peer
        val chain = forwardedChain(call) ?: return peer
        for (hop in chain.asReversed()) {
            if (!trusted(hop)) return hop
        }
        return chain.firstOrNull() ?: peer
    }

    private fun trusted(address: String): Boolean {
        if (trustedProxies.isEmpty()) return false
        val bytes = CidrRange.parseAddress(address.trim().removePrefix("[").removeSuffix("]")) ?: return false
        return trustedProxies.any { it.contains(bytes) }
    }

    private fun forwardedChain(call: ApplicationCall): List<String>? =
        forwardedChain(call.request.headers.getAll(HttpHeaders.Forwarded), call.request.headers.getAll(HttpHeaders.XForwardedFor))

    companion object {
        /**
         * Returns the hops of a `Forwarded` header (its `for=` values), else of
         * `X-Forwarded-For`, nearest hop last, ports stripped; `null` when neither names one.
         * Never throws: these headers are written by whoever sends the call.
         */
        fun forwardedChain(forwarded: List<String>?, xForwardedFor: List<String>?): List<String>? {
            if (!forwarded.isNullOrEmpty()) {
                return forwarded.flatMap { it.split(',') }.mapNotNull { element ->
                    element.split(';').map { it.trim() }
                        .firstOrNull { it.startsWith("for=", ignoreCase = true) }
                        ?.substring(4)?.trim()?.trim('"')?.let(::stripPort)
                        // `for=` with nothing after it named no hop; kept, it made every such
                        // caller the client "" with one shared bucket (found by ClientAddressFuzzTest).
                        ?.takeIf { it.isNotBlank() }
                }.takeIf { it.isNotEmpty() }
            }
            val xff = xForwardedFor ?: return null
            return xff.flatMap { it.split(',') }.map { stripPort(it.trim()).trim() }.filter { it.isNotEmpty() }
                .takeIf { it.isNotEmpty() }
        }

        /** `[2001:db8::1]:4711` → `2001:db8::1`, `10.0.0.1:80` → `10.0.0.1`; bare IPv6 stays whole. */
        private fun stripPort(hop: String): String = when {
            hop.startsWith("[") -> hop.substringAfter('[').substringBefore(']')
            hop.count { it == ':' } == 1 -> hop.substringBefore(':')
            else -> hop
        }
    }
}
