package dev.limiter.bench.chaos

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.atomic.AtomicLongArray

/** What one phase's requests got, counted by the phase in which each was sent. */
class PhaseCounts(keys: Int) {
    val requests = java.util.concurrent.atomic.AtomicLong()
    val ok = java.util.concurrent.atomic.AtomicLong()
    val limited = java.util.concurrent.atomic.AtomicLong()
    val serverErrors = java.util.concurrent.atomic.AtomicLong()
    val otherStatus = java.util.concurrent.atomic.AtomicLong()
    /** Exceptions and timeouts the caller saw: no HTTP answer at all. */
    val callerErrors = java.util.concurrent.atomic.AtomicLong()
    val admittedPerKey = AtomicLongArray(keys)
    @Volatile var firstCallerError: String? = null
}

/**
 * Steady, paced load: [keys] threads, one API key each, every thread sending `GET /resource`
 * every [periodMillis] to the nodes in turn (so each key's traffic is spread evenly over the
 * nodes), with a [timeout] per request. Counts go to the phase [currentPhase] names at send time.
 */
class ChaosLoad(
    private val nodes: List<Int>,
    private val keys: Int,
    private val periodMillis: Long,
    private val timeout: Duration,
    private val phases: List<PhaseCounts>,
    private val currentPhase: () -> Int,
) {
    @Volatile private var running = true
    private val client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout).build()
    private val threads = (0 until keys).map { key -> Thread({ loop(key) }, "chaos-load-$key") }

    fun start() = threads.forEach { it.start() }

    fun stop() {
        running = false
        threads.forEach { it.join(10_000) }
    }

    private fun loop(key: Int) {
        val apiKey = "chaos-$key"
        var sent = 0L
        var next = System.nanoTime()
        while (running) {
            val phase = phases[currentPhase()]
            val port = nodes[((sent + key) % nodes.size).toInt()]
            sent++
            phase.requests.incrementAndGet()
            try {
                val request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:$port/resource"))
                    .header("X-API-Key", apiKey).timeout(timeout).GET().build()
                val status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()
                when {
                    status in 200..299 -> { phase.ok.incrementAndGet(); phase.admittedPerKey.incrementAndGet(key) }
                    status == 429 -> phase.limited.incrementAndGet()
                    status >= 500 -> phase.serverErrors.incrementAndGet()
                    else -> phase.otherStatus.incrementAndGet()
                }
            } catch (e: java.io.IOException) {
                phase.callerErrors.incrementAndGet()
                if (phase.firstCallerError == null) phase.firstCallerError = e.toString()
            }
            next += periodMillis * 1_000_000
            val wait = next - System.nanoTime()
            if (wait > 0) Thread.sleep(wait / 1_000_000, (wait % 1_000_000).toInt()) else next = System.nanoTime()
        }
    }
}
