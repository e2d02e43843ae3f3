package dev.limiter.ktor

import dev.limiter.BucketStore
import dev.limiter.LimitPolicy
import dev.limiter.LimiterClock
import dev.limiter.LocalBucketStore
import dev.limiter.RateLimiterBuilder
import dev.limiter.config.ConfigStore
import dev.limiter.config.LimitsConfig
import io.ktor.server.application.ApplicationCall
import io.ktor.server.auth.UserIdPrincipal
import io.micrometer.core.instrument.MeterRegistry
import java.time.Duration
import java.util.function.BooleanSupplier

/**
 * Settings of the [RateLimiting] plugin.
 *
 * Limits come from [config] (for example `LimitsConfig.parse(yaml)`) or from [policy] calls in
 * code; one of the two is required. Everything else has a default.
 */
@io.ktor.utils.io.KtorDsl
public class RateLimitingConfig {
    private val codePolicies = LinkedHashMap<String, LimitPolicy>()

    /** The limits: policies, tiers, endpoint costs, allow and deny lists; `null` to define them in code. */
    public var config: LimitsConfig? = null

    /** Where buckets live: an in-memory [LocalBucketStore] by default, a Redis store to share them. */
    public var store: BucketStore = LocalBucketStore()

    /**
     * Where the limits are published and followed (cfgstore): every node on the same store
     * enforces its latest version, and the admin routes publish through it. `null` (the
     * default) keeps them in this node's memory; a `RedisConfigStore` shares them.
     */
    public var configStore: ConfigStore? = null

    /** The time source of every limiter; [LimiterClock.SYSTEM] by default. */
    public var clock: LimiterClock = LimiterClock.SYSTEM

    /** The request header that carries the API key; `X-API-Key` by default. */
    public var apiKeyHeader: String = "X-API-Key"

    /** Which rate-limit headers responses carry; [HeaderStyle.BOTH] by default. */
    public var headerStyle: HeaderStyle = HeaderStyle.BOTH

    /**
     * Proxies whose `X-Forwarded-For` / `Forwarded` headers are believed, as IP addresses or
     * CIDR ranges (`10.0.0.0/8`); empty by default, so forwarded headers are ignored.
     */
    public var trustedProxies: List<String> = emptyList()

    /** What to do with a call that has neither an API key nor a principal; limit by address by default. */
    public var missingKey: MissingKey = MissingKey.CLIENT_ADDRESS

    /**
     * Turns an authenticated principal into a key, `null` to skip it; by default the name of a
     * [UserIdPrincipal] and nothing else.
     */
    public var principalKey: (Any) -> String? = { (it as? UserIdPrincipal)?.name }

    /** Receives `limiter.*` meters when set; see `LimiterMetrics`. */
    public var meterRegistry: MeterRegistry? = null

    /**
     * Tells whether a remote store decides on its primary backend right now (false while it
     * falls back to local buckets); feeds `/health` and the `backend` tag of `limiter.requests`.
     * Not needed for a store that implements `BackendStateSource` (a `RedisBucketStore` after
     * `enableFaultTolerance`, or the `FaultTolerantBucketStore` it returns): its state is read
     * through that interface, and its `limiter.backend.state` gauge is bound to [meterRegistry].
     */
    public var backendIsPrimary: BooleanSupplier? = null

    /** The most rate-limit violations logged per [violationLogPeriod]; the rest are counted and summarized. */
    public var violationLogLimit: Int = 10

    /** The period over which [violationLogLimit] applies; one second by default. */
    public var violationLogPeriod: Duration = Duration.ofSeconds(1)

    /** Bounds each limiter's wait queue for [QueueMode] routes. */
    public var maxQueueSize: Int = RateLimiterBuilder.DEFAULT_MAX_QUEUE_SIZE

    /** Computes the priority of a queued call when its route does not say; 0 by default. */
    public var queuePriority: (ApplicationCall) -> Int = { 0 }

    /**
     * Defines a policy in code under [name]; the first one defined is the default policy unless
     * [config] is set, which then takes precedence over policies defined here.
     */
    public fun policy(name: String, policy: LimitPolicy) {
        require(name.isNotBlank()) { "policy name must not be blank; use a name such as \"free\"" }
        codePolicies[name] = policy.named(name)
    }

    internal fun limits(): LimitsConfig = config ?: run {
        require(codePolicies.isNotEmpty()) {
            "RateLimiting has no limits: set config = LimitsConfig.parse(yaml) or call policy(\"free\", LimitPolicy.tokenBucket(40, Rate.parse(\"10/s\")))"
        }
        LimitsConfig(codePolicies, codePolicies.keys.first())
    }

    internal fun validate() {
        require(apiKeyHeader.isNotBlank()) { "apiKeyHeader must not be blank, was '$apiKeyHeader'; use e.g. \"X-API-Key\"" }
        require(violationLogLimit >= 0) { "violationLogLimit must be 0 or more, was $violationLogLimit" }
        require(!violationLogPeriod.isNegative && !violationLogPeriod.isZero) {
            "violationLogPeriod must be positive, was $violationLogPeriod; use e.g. Duration.ofSeconds(1)"
        }
    }
}
