package dev.limiter.portal

import io.netty.buffer.Unpooled
import io.netty.channel.ChannelFutureListener
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.netty.channel.ChannelPipeline
import io.netty.handler.codec.TooLongFrameException
import io.netty.handler.codec.http.DefaultFullHttpResponse
import io.netty.handler.codec.http.HttpHeaderNames
import io.netty.handler.codec.http.HttpObject
import io.netty.handler.codec.http.HttpResponseStatus
import io.netty.handler.codec.http.HttpVersion
import io.netty.handler.codec.http.TooLongHttpLineException
import io.netty.util.ReferenceCountUtil

/**
 * Answers requests Netty could not decode (a request line or headers over `MAX_HEADER_BYTES`,
 * or a malformed request) with problem+json and closes the connection: 414 for a long request
 * line, 431 for long headers, 400 for the rest.
 *
 * Ktor answers these itself with a plain-text 400 before any plugin or route runs, so
 * `StatusPages` never sees them; this handler sits in Netty's pipeline just before Ktor's.
 */
internal class MalformedRequests : ChannelInboundHandlerAdapter() {
    private var refused = false

    override fun channelRead(ctx: ChannelHandlerContext, msg: Any) {
        if (refused) return ReferenceCountUtil.release(msg).let { }
        val failure = (msg as? HttpObject)?.decoderResult()?.takeIf { it.isFailure }?.cause()
        if (failure == null) return ctx.fireChannelRead(msg).let { }
        ReferenceCountUtil.release(msg)
        refused = true
        val (status, detail) = when (failure) {
            is TooLongHttpLineException -> HttpResponseStatus.REQUEST_URI_TOO_LONG to "The request line is longer than this server takes; shorten the URL."
            is TooLongFrameException -> HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE to "The request headers are larger than this server takes; send fewer or smaller headers."
            else -> HttpResponseStatus.BAD_REQUEST to "The request is not valid HTTP/1.1."
        }
        val body = """{"type":"urn:dev.limiter:problem:malformed-request","title":"${status.reasonPhrase()}","status":${status.code()},"detail":"$detail"}"""
            .toByteArray(Charsets.UTF_8)
        val response = DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body))
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
            .set(HttpHeaderNames.CONTENT_LENGTH, body.size)
            .set(HttpHeaderNames.CONNECTION, "close")
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE)
    }

    companion object {
        /** Adds the handler to a portal connection's [pipeline], before Ktor's HTTP/1.1 handler. */
        fun install(pipeline: ChannelPipeline) {
            if (pipeline.get("http1") != null) pipeline.addBefore("http1", "malformed-requests", MalformedRequests())
        }
    }
}
