package dev.limiter.ktor.internal

import dev.limiter.ktor.headerUtf8

import dev.limiter.BackendState
import dev.limiter.BackendStateSource
import dev.limiter.Caller
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.FaultToleranceMetrics
import dev.limiter.LimitPolicy
import dev.limiter.LimiterListener
import dev.limiter.LimiterMetrics
import dev.limiter.RateLimiter
import dev.limiter.RateLimits
import dev.limiter.config.LimitsConfig
import dev.limiter.config.internal.CidrRange
import dev.limiter.ktor.MissingKey
import dev.limiter.ktor.RateLimitingConfig
import io.ktor.server.application.ApplicationCall
import io.ktor.server.auth.principal
import io.ktor.server.request.httpMethod
import io.ktor.server.request.path
import org.slf4j.LoggerFactory
import java.util.function.BooleanSupplier

/**
 * The plugin's state: who a call comes from, and the engine that decides it. Every decision
 * is the engine's ([RateLimits]); the plugin only identifies the caller and writes the answer.
 */
internal class LimitEnforcer(settings: RateLimitingConfig) : AutoCloseable {
    val store = settings.store
    val clock = settings.clock
    val headerStyle = settings.headerStyle
    val apiKeyHeaderName: String = settings.apiKeyHeader
    private val missingKey = settings.missingKey
    private val principalKey = settings.principalKey
    private val defaultPriority = settings.queuePriority
    private val address = ClientAddress(
        settings.trustedProxies.mapIndexed { i, p ->
            CidrRange.parse(p) ?: throw IllegalArgumentException(
                "trustedProxies[$i]: '$p' is not an IP address or CIDR range; write e.g. 10.0.0.0/8, 192.168.1.7 or ::1" +
                    (CidrRange.problem(p)?.takeIf { CidrRange.looksLikeAddress(p) }?.let { " ($it)" } ?: ""),
            )
        },
    )

    /** Where the store decides from, read through the interface stores expose for it. */
    private val source: BackendStateSource? = store as? BackendStateSource
    private val explicitPrimary: BooleanSupplier? = settings.backendIsPrimary

    /** The backend in use: `primary`, `fallback` or `probing`; always `primary` for a store without a fallback. */
    val backendState: String
        get() = explicitPrimary?.let { if (it.asBoolean) "primary" else "fallback" }
            ?: source?.backendState?.name?.lowercase()
            ?: "primary"

    private val backendIsPrimary: BooleanSupplier? = explicitPrimary
        ?: source?.let { s -> BooleanSupplier { s.backendState == BackendState.PRIMARY } }
    private val listener: LimiterListener = settings.meterRegistry?.let { registry ->
        source?.let { FaultToleranceMetrics(it).bindTo(registry) }
        LimiterMetrics(registry, backendIsPrimary)
    } ?: LimiterListener.NONE
    private val violations = SampledLog(
        LoggerFactory.getLogger("dev.limiter.ktor.RateLimiting"),
        clock,
        settings.violationLogLimit,
        settings.violationLogPeriod.toNanos(),
    )

    /** The engine behind the plugin; the dashboard, widget and admin routes read it. */
    val engine: RateLimits = RateLimits(settings.limits(), store, clock, listener, settings.maxQueueSize)

    /** The registry metrics go to, when the plugin was given one. */
    val meterRegistry: io.micrometer.core.instrument.MeterRegistry? = settings.meterRegistry

    /** Responses to the adaptive limits; their factor to the gauge, headers and `/health`. */
    val adaptive = AdaptiveFeed(engine, meterRegistry, clock)

    private val headers = HeaderValues()

    /** Route settings, resolved once per route. */
    val routeLimits = dev.limiter.ktor.RouteLimitCache()

    /** The limits in force. */
    val config: LimitsConfig get() = engine.config

    /** Replaces the limits; named policies keep their buckets (see [RateLimits.update]). */
    fun update(config: LimitsConfig) = engine.update(config)

    /** Returns the engine's limiter of [policy]: same store, clock, buckets and metrics. */
    fun limiter(policy: LimitPolicy): RateLimiter = engine.limiterFor(policy)

    /** Returns the configured policy [name]; throws naming the policies that exist. */
    fun policy(name: String): LimitPolicy = config.policies[name] ?: throw IllegalArgumentException(
        "unknown policy '$name'; configured policies are ${config.policies.keys.sorted()}",
    )

    /** Identifies the client of [call]; `null` when it has no key and keys are required. */
    fun identify(call: ApplicationCall): Client? {
        val ip = address.of(call)
        val apiKey = call.headerUtf8(apiKeyHeaderName)?.trim()?.takeIf { it.isNotEmpty() }
        if (apiKey != null) return Client(Caller.apiKey(apiKey), ip, isApiKey = true)
        val principal = call.principal<Any>()?.let(principalKey)
        if (principal != null) return Client(Caller.principal(principal), ip, isApiKey = false)
        return if (missingKey == MissingKey.REJECT) null else Client(Caller.address(ip), ip, isApiKey = false)
    }

    /** Decides [call] under [route]'s settings, through the engine. */
    suspend fun decide(call: ApplicationCall, client: Client, route: RouteLimit): Verdict {
        if (route.unlimited == true) return Verdict.Exempt
        val config = engine.config
        val policy = route.policy ?: route.policyName?.let(::policy)
        val endpoint = if (config.endpoints.isEmpty() && config.levels.isEmpty()) null
            else call.request.httpMethod.value + " " + call.request.path()
        val queue = route.queue
        val decision = if (queue != null) {
            val priority = (queue.priority ?: defaultPriority)(call)
            engine.checkQueued(client.caller, endpoint, client.address, route.cost, policy, priority, queue.maxWait)
        } else {
            engine.check(client.caller, endpoint, client.address, route.cost, policy)
        }
        if (decision.reason == DenyReason.DENYLISTED) return Verdict.Denylisted
        val name = decision.policy ?: return Verdict.Exempt // allow-listed: no level decided
        if (!decision.allowed) logViolation(call, client, decision)
        return Verdict.Decided(headers.of(name, levelPolicy(name, policy, config)), decision)
    }

    /** The policy behind a level name: the route's, a configured one, or the ceiling. */
    private fun levelPolicy(name: String, route: LimitPolicy?, config: LimitsConfig): LimitPolicy? =
        route?.takeIf { it.name == name } ?: config.policies[name] ?: config.global?.takeIf { name == "global" || it.name == name }

    private fun logViolation(call: ApplicationCall, client: Client, decision: Decision) {
        violations.warn {
            "rate limit exceeded: key=${client.loggableKey()} route=${call.request.httpMethod.value} ${call.request.path()} " +
                "policy=${decision.policy} reason=${decision.reason} retryAfter=${decision.retryAfter}"
        }
    }

    override fun close() {
        engine.close()
    }
}

/** Who a call comes from: the engine's [caller] and the client [address]. */
internal class Client(val caller: Caller, val address: String, private val isApiKey: Boolean) {
    /** The caller as it may appear in a log: API keys shortened (see [loggableKey]). */
    fun loggableKey(): String = if (isApiKey) loggableKey("key:${caller.key}") else caller.bucketKey
}

/** What the plugin does with a call. */
internal sealed interface Verdict {
    /** Not limited: unlimited route or allow-listed client; no headers. */
    data object Exempt : Verdict

    /** Refused: the client is on the deny list. */
    data object Denylisted : Verdict

    /** Decided by the level [header] describes; a denied [decision] means 429. */
    class Decided(val header: LevelHeader, val decision: Decision) : Verdict
}

internal object MissingKeyProblem {
    fun detail(enforcer: LimitEnforcer): String =
        "This API needs a key: send it in the ${enforcer.apiKeyHeaderName} header."
}
