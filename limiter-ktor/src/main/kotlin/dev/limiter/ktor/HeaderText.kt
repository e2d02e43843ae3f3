@file:JvmName("HeaderText")

package dev.limiter.ktor

import io.ktor.server.application.ApplicationCall
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction

/**
 * Returns header [name] read as UTF-8, or `null` when absent.
 *
 * Netty turns each header byte into one character (ISO-8859-1), so a key sent as UTF-8 bytes,
 * as curl and browsers send it, came back garbled (`ключ` as `ÐºÐ»ÑŽÑ‡`). The bytes are
 * recovered and decoded as UTF-8; a value that is not UTF-8 is returned as Netty read it. The
 * plugin reads the API-key header this way, so a key's bucket is the same whether it is named
 * in a header, a URL or a JSON body.
 */
public fun ApplicationCall.headerUtf8(name: String): String? {
    val raw = request.headers[name] ?: return null
    if (raw.all { it.code < 0x80 }) return raw
    if (raw.any { it.code > 0xFF }) return raw
    return try {
        Charsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(raw.toByteArray(Charsets.ISO_8859_1))).toString()
    } catch (e: CharacterCodingException) {
        raw
    }
}
