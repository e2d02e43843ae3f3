package dev.limiter.ktor

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import dev.limiter.adaptive.AdaptiveLimits
import dev.limiter.adaptive.AdaptiveSettings
import dev.limiter.adaptive.LoadSignal
import dev.limiter.config.LimitsConfig
import dev.limiter.ktor.internal.DashboardSampler
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.ApplicationTestBuilder
import io.ktor.server.testing.testApplication
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.slf4j.LoggerFactory
import java.time.Duration
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

/**
 * Adaptive limits through real HTTP: a scripted load moves the factor, and what the plugin
 * admits, its headers, `/metrics`, `/health` and the dashboard follow it; the plugin's own
 * timings and statuses feed the latency and error-rate signals.
 */
class AdaptiveHttpSpec : FunSpec({
    fun yaml(adaptive: String?) = """
        policies:
          free: { algorithm: fixed-window, limit: 40, window: 1s }
          pro: { algorithm: fixed-window, limit: 40, window: 1s }
        default-policy: free
        keys: { dev-42: pro }
    """.trimIndent() + (adaptive?.let { "\nadaptive: $it" } ?: "")

    fun adaptiveApp(
        clock: MockClock,
        registry: PrometheusMeterRegistry,
        adaptive: String?,
        block: suspend ApplicationTestBuilder.() -> Unit,
    ) = testApplication {
        install(RateLimiting) {
            this.clock = clock
            config = LimitsConfig.parse(yaml(adaptive))
            meterRegistry = registry
        }
        routing {
            get("/hello") { call.respondText("hello") }
            // Takes 400 ms of the plugin's clock: a slow service.
            get("/slow") { clock.advance(Duration.ofMillis(400)); call.respondText("slow") }
            get("/boom") { call.respondText("down", status = HttpStatusCode.InternalServerError) }
            metricsRoute(registry)
            healthRoute()
        }
        block()
    }

    test("a load spike moves the factor; admitted calls per second, headers, /metrics, /health and the dashboard follow it, and it recovers") {
        val clock = MockClock()
        val start = clock.nowNanos()
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        // One load per second: calm, six seconds hot, then calm again.
        val loads = listOf(0.3) + List(6) { 0.95 } + List(16) { 0.3 }
        val signal = LoadSignal { loads[(((clock.nowNanos() - start) / 1_000_000_000L).toInt() - 1).coerceIn(0, loads.size - 1)] }
        val logger = LoggerFactory.getLogger(AdaptiveLimits::class.java) as Logger
        val log = ListAppender<ILoggingEvent>().apply { start() }
        val level = logger.level
        logger.level = Level.INFO
        logger.addAppender(log)
        try { adaptiveApp(clock, registry, adaptive = null) {
            startApplication()
            application.rateLimitEngine.adapt(AdaptiveLimits(signal, AdaptiveSettings(), clock), setOf("free"))
            val sampler = DashboardSampler(registry, { "primary" }, { emptyList() }, 1.0)

            val admitted = ArrayList<Int>()
            for (second in 1..loads.size) {
                clock.advance(Duration.ofSeconds(1))
                admitted += (1..60).count { client.hit("/hello", "k1").status == HttpStatusCode.OK }
                if (second == 2) {
                    // Factor 0.750: the headers show the scaled quota and the factor.
                    val response = client.hit("/hello", "k2")
                    response.headers["RateLimit-Policy"] shouldBe "\"free\";q=30;w=1"
                    response.headers["X-RateLimit-Limit"] shouldBe "30"
                    response.headers["X-RateLimit-Adaptive-Factor"] shouldBe "0.750"
                    // A policy the factor does not scale shows neither.
                    val pro = client.hit("/hello", "dev-42")
                    pro.headers["RateLimit-Policy"] shouldBe "\"pro\";q=40;w=1"
                    pro.headers["X-RateLimit-Adaptive-Factor"].shouldBeNull()

                    val samples = PrometheusText.parse(client.get("/metrics").bodyAsText())
                    samples.single { it.name == "limiter_adaptive_factor" }.value shouldBe 0.75
                    sampler.sample().adaptiveFactor shouldBe 0.75

                    val health = Json.parseToJsonElement(client.get("/health").bodyAsText()).jsonObject["adaptive"]!!.jsonObject
                    health["factor"]!!.jsonPrimitive.content shouldBe "0.75"
                    health["policies"]!!.jsonArray.map { it.jsonPrimitive.content } shouldBe listOf("free")
                    health["reason"]!!.jsonPrimitive.content shouldBe "load 0.950 above high 0.8: factor 1.000 -> 0.750"
                    health["changedAt"]!!.jsonPrimitive.content shouldBe clock.instant().toString()
                }
            }

            admitted shouldBe listOf(
                40,
                30, 22, 16, 12, 10, 10, // floor(40 x factor): x0.75 a second down to the floor of 0.25
                12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 40, // +0.05 a second back
            )
            client.hit("/hello", "k3").headers["X-RateLimit-Adaptive-Factor"] shouldBe "1.000"
            val health = Json.parseToJsonElement(client.get("/health").bodyAsText()).jsonObject["adaptive"]!!.jsonObject
            health["reason"]!!.jsonPrimitive.content shouldContain "below low 0.6: factor 0.950 -> 1.000"
        }
        } finally {
            logger.detachAppender(log)
            logger.level = level
        }
        // Each change logged once, however many calls, scrapes and health reads saw it: 5 down, 15 up.
        log.list.map { it.formattedMessage }.filter { it.startsWith("adaptive limits:") }.size shouldBe 20
    }

    test("the config's adaptive section is applied by the plugin's engine, and the plugin's own timings feed the latency signal") {
        val clock = MockClock()
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        adaptiveApp(clock, registry, "{ signal: latency, latency-target: 100ms, interval: 1s, policies: [free] }") {
            repeat(2) { client.hit("/slow", "k1").status shouldBe HttpStatusCode.OK } // 400 ms each: four times the target
            clock.advance(Duration.ofMillis(200)) // the first interval ends
            client.hit("/hello", "k2").headers["X-RateLimit-Adaptive-Factor"] shouldBe "0.750"
            PrometheusText.parse(client.get("/metrics").bodyAsText()).single { it.name == "limiter_adaptive_factor" }.value shouldBe 0.75
        }
    }

    test("5xx responses feed the error rate, and the plugin's own 429s never count") {
        val clock = MockClock()
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        adaptiveApp(clock, registry, "{ signal: error-rate, error-threshold: 0.5, interval: 1s, policies: [free] }") {
            repeat(40) { client.hit("/boom", "k1").status shouldBe HttpStatusCode.InternalServerError }
            repeat(60) { client.hit("/boom", "k1").status shouldBe HttpStatusCode.TooManyRequests }
            clock.advance(Duration.ofSeconds(1))
            // 40 failures of 40 responses: twice the threshold, so the factor drops. Had the 60
            // refusals counted as responses, 40 of 100 would read 0.8, not above high, and it would stay.
            client.hit("/hello", "k2").headers["X-RateLimit-Adaptive-Factor"] shouldBe "0.750"
            val health = Json.parseToJsonElement(client.get("/health").bodyAsText()).jsonObject["adaptive"]!!.jsonObject
            health["reason"]!!.jsonPrimitive.content shouldBe "load 2.000 above high 0.8: factor 1.000 -> 0.750"
        }
    }

    test("calls waiting in queue mode keep waiting while the factor moves, and are served") {
        val clock = MockClock()
        val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        limitedApp(
            clock,
            configure = { meterRegistry = registry },
            routes = { queued(QueueMode(maxWait = 60.seconds)) { get("/queued") { call.respondText("served") } } },
        ) {
            startApplication()
            application.rateLimitEngine.adapt(AdaptiveLimits({ 0.95 }, AdaptiveSettings(), clock), setOf("small"))
            repeat(3) { client.hit("/queued", "k").status shouldBe HttpStatusCode.OK } // the bucket of 3 is empty
            // Every call of [calls] has either joined the queue or been answered. Which ones are
            // answered at once depends on when the factor's step and the refill meet, so only
            // the sum is waited for (the cap is for liveness, not a bound on time).
            suspend fun awaitJoined(calls: List<kotlinx.coroutines.Deferred<*>>) = withTimeout(30.seconds) {
                while (registry.find("limiter.queue.depth").gauges().sumOf { it.value() } + calls.count { it.isCompleted } < calls.size) delay(10)
            }
            coroutineScope {
                // Three join at factor 0.75, three more a second later at 0.562, while the first still wait.
                clock.advance(Duration.ofSeconds(1))
                val first = (1..3).map { async { client.hit("/queued", "k") } }
                awaitJoined(first) // one may take the token of the past second
                clock.advance(Duration.ofSeconds(1))
                val second = (1..3).map { async { client.hit("/queued", "k") } }
                awaitJoined(first + second)
                val waiting = first + second
                withTimeout(20.seconds) {
                    while (waiting.any { !it.isCompleted }) {
                        clock.advance(Duration.ofSeconds(1))
                        delay(20)
                    }
                }
                waiting.map { it.await().status } shouldBe List(6) { HttpStatusCode.OK }
                waiting.map { it.await().headers["X-RateLimit-Adaptive-Factor"]!!.toDouble() < 1.0 } shouldBe List(6) { true }
            }
        }
    }
})
