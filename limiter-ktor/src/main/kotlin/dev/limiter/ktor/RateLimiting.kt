@file:JvmName("RateLimitingPlugin")

package dev.limiter.ktor

import dev.limiter.ktor.internal.AdaptiveFeed
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
import io.ktor.server.application.hooks.ResponseSent
import io.ktor.server.response.header
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
 *
 * With adaptive limits in force (the config's `adaptive:` section), every response but the
 * plugin's own refusals feeds their latency and error-rate signals, timed on the plugin's
 * clock from the moment the call was let through; a decision by an adaptive policy carries
 * `X-RateLimit-Adaptive-Factor`, and the factor is the gauge `limiter.adaptive.factor`.
 */
public val RateLimiting: ApplicationPlugin<RateLimitingConfig> =
    createApplicationPlugin("RateLimiting", ::RateLimitingConfig) {
        pluginConfig.validate()
        val enforcer = LimitEnforcer(pluginConfig)
        application.attributes.put(EnforcerKey, enforcer)
        ConfigFollowing.install(application, enforcer, pluginConfig.configStore) // cfgstore: engine follows the config store
        application.routing { install(RateLimitInterceptors) { this.enforcer = enforcer } }
        enforcer.adaptive.keepCurrent(application)
        onCall { call -> enforcer.adaptive.started(call) }
        on(ResponseSent) { call -> enforcer.adaptive.responded(call) }
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
            enforcer.adaptive.refused(call)
            call.respondProblem(HttpStatusCode.Unauthorized, "missing-key", MissingKeyProblem.detail(enforcer))
            return@on
        }
        when (val verdict = enforcer.decide(call, client, limit)) {
            Verdict.Exempt -> Unit
            Verdict.Denylisted -> {
                enforcer.adaptive.refused(call)
                call.respondProblem(HttpStatusCode.Forbidden, "denylisted", "This client is not allowed to call this API.")
            }
            is Verdict.Decided -> {
                call.rateLimitHeaders(enforcer.headerStyle, verdict.header, verdict.decision)
                if (enforcer.headerStyle != HeaderStyle.NONE) {
                    enforcer.adaptive.factorOf(verdict.header.name)?.let { call.response.header(AdaptiveFeed.FACTOR_HEADER, AdaptiveFeed.format(it)) }
                }
                if (verdict.decision.allowed) {
                    enforcer.adaptive.started(call) // a queue wait is not the service's time
                } else {
                    enforcer.adaptive.refused(call)
                    call.respondLimited(verdict.header, verdict.decision)
                }
            }
        }
    }
}
