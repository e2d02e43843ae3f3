@file:JvmName("RateLimitingPlugin")

package dev.limiter.ktor

import dev.limiter.ktor.internal.ConfigFollowing
import dev.limiter.ktor.internal.LimitEnforcer
import dev.limiter.ktor.internal.MissingKeyProblem
import dev.limiter.ktor.internal.Verdict
import dev.limiter.ktor.internal.rateLimitHeaders
import dev.limiter.ktor.internal.respondLimited
import dev.limiter.ktor.internal.respondProblem
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationPlugin
import io.ktor.server.application.ApplicationStopped
import io.ktor.server.application.createApplicationPlugin
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.auth.AuthenticationChecked
import io.ktor.server.routing.RoutingPipelineCall
import io.ktor.server.routing.routing
import io.ktor.util.AttributeKey

/**
 * Rate limits every route of an application: `install(RateLimiting) { … }`.
 *
 * Once installed, the default policy applies to every route; [rateLimited], [defaultLimits],
 * [unlimited] and [queued] change that for a subtree. Limits run after authentication, so an
 * authenticated principal can be the key. The key of a call is its API key (header
 * [RateLimitingConfig.apiKeyHeader]), else its principal, else its client address (forwarded
 * headers believed only from [RateLimitingConfig.trustedProxies]).
 *
 * Allowed calls carry rate-limit headers as [RateLimitingConfig.headerStyle] says; refused ones
 * are answered 429 with `Retry-After` and an `application/problem+json` body. Deny-listed
 * clients get 403, allow-listed ones pass without limits or headers.
 */
public val RateLimiting: ApplicationPlugin<RateLimitingConfig> =
    createApplicationPlugin("RateLimiting", ::RateLimitingConfig) {
        pluginConfig.validate()
        val enforcer = LimitEnforcer(pluginConfig)
        application.attributes.put(EnforcerKey, enforcer)
        ConfigFollowing.install(application, enforcer, pluginConfig.configStore) // cfgstore: engine follows the config store
        application.routing { install(RateLimitInterceptors) { this.enforcer = enforcer } }
        application.monitor.subscribe(ApplicationStopped) { enforcer.close() }
    }

internal val EnforcerKey: AttributeKey<LimitEnforcer> = AttributeKey("dev.limiter.ktor.LimitEnforcer")

/** Returns the installed plugin's state; throws telling how to install it when it is missing. */
internal fun Application.enforcer(): LimitEnforcer = attributes.getOrNull(EnforcerKey)
    ?: throw IllegalStateException("RateLimiting is not installed; call install(RateLimiting) { … } before this")

internal class InterceptorSettings {
    lateinit var enforcer: LimitEnforcer
}

/** Runs on the routing root, after authentication, so every route's call passes through it. */
private val RateLimitInterceptors = createRouteScopedPlugin("RateLimitInterceptors", ::InterceptorSettings) {
    val enforcer = pluginConfig.enforcer
    on(AuthenticationChecked) { call ->
        val route = (call as? RoutingPipelineCall)?.route ?: return@on
        val limit = enforcer.routeLimits.of(route)
        if (limit.unlimited == true) return@on
        val client = enforcer.identify(call)
        if (client == null) {
            call.respondProblem(HttpStatusCode.Unauthorized, "missing-key", MissingKeyProblem.detail(enforcer))
            return@on
        }
        when (val verdict = enforcer.decide(call, client, limit)) {
            Verdict.Exempt -> Unit
            Verdict.Denylisted ->
                call.respondProblem(HttpStatusCode.Forbidden, "denylisted", "This client is not allowed to call this API.")
            is Verdict.Decided -> {
                call.rateLimitHeaders(enforcer.headerStyle, verdict.header, verdict.decision)
                if (!verdict.decision.allowed) call.respondLimited(verdict.header, verdict.decision)
            }
        }
    }
}
