package dev.limiter.ktor.internal

import dev.limiter.BackendState
import dev.limiter.DEFAULT_KEY
import dev.limiter.FaultToleranceMetrics
import dev.limiter.FaultTolerantBucketStore
import dev.limiter.Decision
import dev.limiter.DenyReason
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.LimiterListener
import dev.limiter.LimiterMetrics
import dev.limiter.RateLimiter
import dev.limiter.config.LimitsConfig
import dev.limiter.ktor.MissingKey
import dev.limiter.ktor.RateLimitingConfig
import io.ktor.server.application.ApplicationCall
import io.ktor.server.auth.principal
import io.ktor.server.request.httpMethod
import io.ktor.server.request.path
import org.slf4j.LoggerFactory
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicReference
import java.util.function.BooleanSupplier

/**
 * The plugin's state and its decision for a call: who the client is, which policy and cost
 * apply, and what the limiter says.
 */
internal class LimitEnforcer(settings: RateLimitingConfig) : AutoCloseable {
    val store = settings.store
    val clock = settings.clock
    val headerStyle = settings.headerStyle
    val apiKeyHeaderName: String = settings.apiKeyHeader
    private val missingKey = settings.missingKey
    private val principalKey = settings.principalKey
    private val maxQueueSize = settings.maxQueueSize
    private val defaultPriority = settings.queuePriority
    private val address = ClientAddress(settings.trustedProxies.mapIndexed { i, p -> IpRange.parse(p, "trustedProxies[$i]") })
    private val tolerant = store as? FaultTolerantBucketStore
    private val explicitPrimary: BooleanSupplier? = settings.backendIsPrimary

    /** The backend in use: `primary`, `fallback` or `probing`; always `primary` for a store without a fallback. */
    val backendState: String
        get() = tolerant?.state?.name?.lowercase()
            ?: if (explicitPrimary?.asBoolean == false) "fallback" else "primary"

    private val backendIsPrimary: BooleanSupplier? = explicitPrimary
        ?: tolerant?.let { s -> BooleanSupplier { s.state == BackendState.PRIMARY } }
    private val listener: LimiterListener = settings.meterRegistry?.let { registry ->
        tolerant?.let { FaultToleranceMetrics(it).bindTo(registry) }
        LimiterMetrics(registry, backendIsPrimary)
    } ?: LimiterListener.NONE
    private val violations = SampledLog(
        LoggerFactory.getLogger("dev.limiter.ktor.RateLimiting"),
        clock,
        settings.violationLogLimit,
        settings.violationLogPeriod.toNanos(),
    )
    private val state = AtomicReference(Limits(settings.limits()))

    /** The engine behind the plugin; the dashboard, widget and admin routes read it. */
    val engine: dev.limiter.RateLimits = dev.limiter.RateLimits(settings.limits(), store, clock)

    /** The registry metrics go to, when the plugin was given one. */
    val meterRegistry: io.micrometer.core.instrument.MeterRegistry? = settings.meterRegistry
    private val limiters = ConcurrentHashMap<String, RateLimiter>()

    /** The limits in force. */
    val config: LimitsConfig get() = state.get().config

    /**
     * Replaces the limits; limiters whose policy changed start over with fresh buckets. Calls
     * waiting in the queue of a replaced limiter fail (`LimiterClosedException`, a 500).
     */
    fun update(config: LimitsConfig) {
        state.set(Limits(config))
        limiters.entries.removeIf { (name, limiter) ->
            val current = config.policies[name]
            (current != null && current != limiter.policy).also { if (it) limiter.close() }
        }
    }

    /** Returns the limiter of [policy], creating it on first use. */
    fun limiter(policy: LimitPolicy): RateLimiter {
        val name = policy.name ?: policy.id
        val existing = limiters[name]
        if (existing != null && existing.policy == policy) return existing
        return limiters.compute(name) { _, old ->
            if (old != null && old.policy == policy) old
            else {
                old?.close()
                RateLimiter.builder(policy).store(store).clock(clock).maxQueueSize(maxQueueSize)
                    .listener(listener).buildSuspending()
            }
        }!!
    }

    /** Returns the configured policy [name]; throws naming the policies that exist. */
    fun policy(name: String): LimitPolicy = config.policies[name] ?: throw IllegalArgumentException(
        "unknown policy '$name'; configured policies are ${config.policies.keys.sorted()}",
    )

    /** All limiters in use, by policy name. */
    fun limiters(): Map<String, RateLimiter> = limiters.toMap()

    /** Identifies the client of [call]; `null` when it has no key and keys are required. */
    fun identify(call: ApplicationCall): Client? {
        val ip = address.of(call)
        val apiKey = call.request.headers[apiKeyHeaderName]?.trim()?.takeIf { it.isNotEmpty() }
        if (apiKey != null) return Client(apiKey, "key:$apiKey", ip)
        val principal = call.principal<Any>()?.let(principalKey)
        if (principal != null) return Client(principal, "user:$principal", ip)
        return if (missingKey == MissingKey.REJECT) null else Client(null, "ip:$ip", ip)
    }

    /** Decides [call] under [route]'s settings. */
    suspend fun decide(call: ApplicationCall, client: Client, route: RouteLimit): Verdict {
        if (route.unlimited == true) return Verdict.Exempt
        val limits = state.get()
        if (limits.deny.matches(client.id, client.address)) {
            val policy = selectPolicy(call, client, route, limits).first
            listener.onDecision(policy, Decision.denied(client.bucketKey, DenyReason.DENYLISTED, java.time.Duration.ZERO), 0, false)
            return Verdict.Denylisted
        }
        if (limits.allow.matches(client.id, client.address)) return Verdict.Exempt
        val (policy, cost) = selectPolicy(call, client, route, limits)
        val limiter = limiter(policy)
        // Route-scoped policies are quotas of their own, even when their numbers equal a tier's.
        val bucketKey = if (route.policy != null) "${policy.name}|${client.bucketKey}" else client.bucketKey
        // A full global ceiling refuses before the key's own bucket is charged, so a call the
        // ceiling turns away costs the key nothing (other nodes can still race for the last
        // global permit between this look and the charge below).
        val global = limits.config.global?.let { if (it.name == null) it.named("global") else it }
        val ceiling = global?.let(::limiter)
        if (ceiling != null && ceiling.nextAvailableTimestamp(DEFAULT_KEY, cost) > clock.instant()) {
            return limited(call, client, global, ceiling.tryAcquire(DEFAULT_KEY, cost))
        }
        val queue = route.queue
        val decision = if (queue != null) {
            val priority = (queue.priority ?: defaultPriority)(call)
            limiter.queueRequest(bucketKey, priority, queue.maxWait, cost)
        } else {
            limiter.tryAcquire(bucketKey, cost)
        }
        if (!decision.allowed) return limited(call, client, policy, decision)
        if (ceiling != null) {
            val charged = ceiling.tryAcquire(DEFAULT_KEY, cost)
            if (!charged.allowed) return limited(call, client, global, charged)
        }
        return Verdict.Decided(policy, decision)
    }

    private fun limited(call: ApplicationCall, client: Client, policy: LimitPolicy, decision: Decision): Verdict {
        violations.warn {
            "rate limit exceeded: key=${loggableKey(client.bucketKey)} route=${call.request.httpMethod.value} ${call.request.path()} " +
                "policy=${policy.name} reason=${decision.reason} retryAfter=${decision.retryAfter}"
        }
        return Verdict.Decided(policy, decision)
    }

    private fun selectPolicy(call: ApplicationCall, client: Client, route: RouteLimit, limits: Limits): Pair<LimitPolicy, Long> {
        val config = limits.config
        val endpoint = config.endpointLimit("${call.request.httpMethod.value} ${call.request.path()}")
        val name = route.policyName ?: endpoint?.policy ?: client.id?.let(config::policyNameFor) ?: config.defaultPolicy
        val policy = route.policy ?: policy(name)
        val cost = route.cost ?: endpoint?.cost ?: 1L
        return policy to cost
    }

    private fun LimiterClock.instant(): Instant = Instant.ofEpochSecond(0, nowNanos())

    override fun close() {
        limiters.values.forEach { it.close() }
        limiters.clear()
    }

    private class Limits(val config: LimitsConfig) {
        val allow = AccessRules(config.allowlist)
        val deny = AccessRules(config.denylist)
    }
}

/** Who a call comes from: [id] is the API key or principal used for tiers and lists, [bucketKey] the key limited. */
internal class Client(val id: String?, val bucketKey: String, val address: String)

/** What the plugin does with a call. */
internal sealed interface Verdict {
    /** Not limited: unlimited route or allow-listed client; no headers. */
    data object Exempt : Verdict

    /** Refused: the client is on the deny list. */
    data object Denylisted : Verdict

    /** Decided by [policy]; a denied [decision] means 429. */
    class Decided(val policy: LimitPolicy, val decision: Decision) : Verdict
}

internal object MissingKeyProblem {
    fun detail(enforcer: LimitEnforcer): String =
        "This API needs a key: send it in the ${enforcer.apiKeyHeaderName} header."
}
