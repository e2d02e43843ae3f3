package dev.limiter.portal

import java.io.OutputStream
import java.net.Socket

/** A raw HTTP/1.1 connection, for requests a client library would not send: huge, slow or malformed. */
class RawHttp(base: String) : AutoCloseable {
    private val socket = Socket("127.0.0.1", base.substringAfterLast(':').toInt()).apply { soTimeout = 30_000 }
    val out: OutputStream = socket.getOutputStream()

    /** Sends [head] (request line and headers, without the blank line) and the blank line. */
    fun head(head: String) {
        out.write((head.trimEnd() + "\r\n\r\n").replace("\n", "\r\n").replace("\r\r\n", "\r\n").toByteArray())
        out.flush()
    }

    /** Sends [bytes] as one chunk of a chunked body; ignores a connection the server already closed. */
    fun chunk(bytes: ByteArray): Boolean = try {
        out.write("${Integer.toHexString(bytes.size)}\r\n".toByteArray()); out.write(bytes); out.write("\r\n".toByteArray()); out.flush()
        true
    } catch (e: java.io.IOException) {
        false
    }

    /** Reads the response status line and headers, and the body when it has a Content-Length. */
    fun response(): Response {
        val input = socket.getInputStream()
        val head = StringBuilder()
        while (!head.endsWith("\r\n\r\n")) {
            val b = input.read()
            if (b < 0) break
            head.append(b.toChar())
        }
        val lines = head.toString().trimEnd().split("\r\n")
        val headers = lines.drop(1).associate { it.substringBefore(':').lowercase() to it.substringAfter(':').trim() }
        val length = headers["content-length"]?.toIntOrNull() ?: 0
        val body = input.readNBytes(length).decodeToString()
        return Response(lines.first().split(' ')[1].toInt(), headers, body)
    }

    override fun close() = socket.close()

    class Response(val status: Int, val headers: Map<String, String>, val body: String)
}
