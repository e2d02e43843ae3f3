package dev.limiter.ktor

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.testing.MockClock
import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.HttpResponse
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.ApplicationTestBuilder
import io.ktor.server.testing.testApplication

/** A token bucket of 3 refilled at 1/s: small enough to exhaust in a test. */
internal val smallBucket: LimitPolicy = LimitPolicy.tokenBucket(3, Rate.parse("1/s"))

/**
 * Runs [block] against an app limited by "small" (3, refill 1/s) on [clock], with `GET /hello`
 * and whatever [routes] adds.
 */
internal fun limitedApp(
    clock: MockClock = MockClock(),
    configure: RateLimitingConfig.() -> Unit = {},
    routes: io.ktor.server.routing.Route.() -> Unit = {},
    auth: (io.ktor.server.auth.AuthenticationConfig.() -> Unit)? = null,
    block: suspend ApplicationTestBuilder.() -> Unit,
) = testApplication {
    if (auth != null) install(io.ktor.server.auth.Authentication) { auth() }
    install(RateLimiting) {
        this.clock = clock
        policy("small", smallBucket)
        configure()
    }
    routing {
        get("/hello") { call.respondText("hello") }
        routes()
    }
    block()
}

internal suspend fun HttpClient.hit(path: String, apiKey: String? = null): HttpResponse = get(path) {
    if (apiKey != null) header("X-API-Key", apiKey)
}
