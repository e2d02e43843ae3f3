package dev.limiter.portal

import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.application.call
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.netty.NettyApplicationCall
import io.ktor.server.response.header
import io.ktor.util.AttributeKey
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

/**
 * Counts the calls in flight and, once [drain] is called, answers new ones 503 problem+json
 * with `Connection: close`, so a stopping portal can wait for the calls it already took.
 *
 * Netty's own graceful stop only waits for its event loops to be quiet for the grace period: a
 * request suspended on Redis for longer is cut off, and its late response is written to a
 * terminated loop (`RejectedExecutionException`). Waiting on the count first avoids both. A
 * call stops counting when Netty has written its response, not when its handler returns.
 */
class Draining {
    private val inFlight = AtomicInteger()
    private val draining = AtomicBoolean()
    private val lock = Object()

    /** Calls being handled now. */
    fun inFlight(): Int = inFlight.get()

    /** Whether new calls are refused. */
    fun isDraining(): Boolean = draining.get()

    /** Refuses new calls, then waits up to [graceMillis] for the calls in flight; returns whether they all finished. */
    fun drain(graceMillis: Long): Boolean {
        draining.set(true)
        val deadline = System.nanoTime() + graceMillis * 1_000_000
        synchronized(lock) {
            while (inFlight.get() > 0) {
                val left = (deadline - System.nanoTime()) / 1_000_000
                if (left <= 0) return false
                lock.wait(left)
            }
        }
        return true
    }

    internal fun install(app: Application) {
        app.intercept(ApplicationCallPipeline.Setup) {
            if (draining.get()) {
                call.response.header(HttpHeaders.Connection, "close")
                call.respondProblem(HttpStatusCode.ServiceUnavailable, "shutting-down", "This node is shutting down; retry on another node.")
                finish()
                return@intercept
            }
            inFlight.incrementAndGet()
            try {
                proceed()
            } finally {
                // The handler is done once its response is queued; Netty writes it afterwards.
                // A stop in between closed the connection with the response unwritten (seen
                // under load), so the call counts until its response write has finished.
                val writing = runCatching { (call as? NettyApplicationCall)?.responseWriteJob }.getOrNull()
                if (writing == null || writing.isCompleted) finished() else writing.invokeOnCompletion { finished() }
            }
        }
    }

    private fun finished() {
        if (inFlight.decrementAndGet() == 0) synchronized(lock) { lock.notifyAll() }
    }
}

private val DrainingKey = AttributeKey<Draining>("dev.limiter.portal.Draining")

/** The portal's in-flight counter; installed by [installDraining]. */
val Application.draining: Draining get() = attributes[DrainingKey]

/** Counts calls in flight so [stopGracefully] can wait for them. */
fun Application.installDraining() {
    val draining = Draining()
    attributes.put(DrainingKey, draining)
    draining.install(this)
}

/**
 * Stops the server after the calls in flight finish, waiting at most [graceMillis] for them;
 * calls arriving meanwhile get 503. Then Netty stops with a short quiet period, since nothing
 * is left to wait for.
 */
fun EmbeddedServer<*, *>.stopGracefully(graceMillis: Long) {
    application.draining.drain(graceMillis)
    stop(100, 1_000)
}
