package dev.limiter

import dev.limiter.adaptive.AdaptiveLimits
import dev.limiter.config.ConfigStore
import dev.limiter.config.LimitsConfig
import dev.limiter.config.ValidationReport
import dev.limiter.config.internal.ConfigFollower
import dev.limiter.config.internal.Level
import dev.limiter.internal.EngineUsage
import dev.limiter.config.internal.StripedMutex
import kotlinx.coroutines.runBlocking
import java.time.Duration

/**
 * Every limit of a [LimitsConfig], ready to check: resolves a (key, endpoint) pair to the
 * limits that apply and checks them together.
 *
 * A request draws its permits from its level (the endpoint's policy when the endpoint has
 * one, otherwise the key's assigned or default policy) and from the global ceiling when the
 * config has one. A request denied by one level consumes nothing from the others: every
 * level is inspected before any is charged, under a lock per key. Only what goes through
 * this registry takes that lock: when another node sharing the store (Redis), or a limiter
 * from [limiter], takes a key's last permits between the inspection and the charge, the
 * request is denied after the global ceiling was charged for it.
 *
 * [update] swaps the whole config at once: every check sees either the old config or the
 * new one, never a mix. Buckets of policies that did not change keep their state. The store
 * is not closed by [close], since stores may be shared.
 */
public class RateLimits @JvmOverloads constructor(
    config: LimitsConfig,
    private val store: BucketStore = LocalBucketStore(),
    private val clock: LimiterClock = LimiterClock.SYSTEM,
) : AutoCloseable {
    private class Snapshot(val config: LimitsConfig, val limiters: Map<String, RateLimiter>)

    @Volatile
    private var snapshot: Snapshot = Snapshot(config, limitersFor(config, emptyMap()))
    private val locks = StripedMutex(STRIPES)

    /** The config in force now; replaced as a whole by [update]. */
    public val config: LimitsConfig get() = snapshot.config

    /**
     * Checks a request by [key] to [endpoint] from [address] and, when every limit allows
     * it, takes its permits; returns the decision of the most restrictive limit.
     *
     * A denylisted key or address is refused with [DenyReason.DENYLISTED] (the deny list wins
     * over the allow list); an allowlisted one is allowed without touching any bucket, with
     * `remaining` and `limit` of [Long.MAX_VALUE]. [permits] defaults to the endpoint's cost,
     * or 1. A denied decision carries the `retryAfter` of the level that denied it.
     *
     * @throws IllegalArgumentException when [permits] is below 1 or above the capacity of a
     * level, so that the request could never be granted.
     */
    @JvmSynthetic
    public suspend fun check(key: String, endpoint: String? = null, address: String? = null, permits: Long? = null): Decision {
        val current = snapshot
        val config = current.config
        if (config.denied.matches(key, address)) return Decision.denied(key, DenyReason.DENYLISTED, Duration.ZERO)
        if (config.allowed.matches(key, address)) return Decision.allowed(key, Long.MAX_VALUE, Long.MAX_VALUE)
        val own = Level.forRequest(config, key, endpoint, permits)
        val global = config.global?.let { Level(it, GLOBAL_BUCKET, own.permits) }
        global?.requireGrantable()
        return locks.withLock(key) { decide(key, own, global) }
            .also { usageTracker.record(key, it, own.permits) } // cfgstore: until the engine rewrite records every decision
    }

    /**
     * Blocking form of [check] for Java callers; same arguments, same decision.
     *
     * @throws IllegalArgumentException when [permits] could never be granted.
     */
    @JvmOverloads
    public fun checkBlocking(key: String, endpoint: String? = null, address: String? = null, permits: Long? = null): Decision =
        runBlocking { check(key, endpoint, address, permits) }

    /**
     * Returns the policy a request by [key] to [endpoint] draws from: the endpoint's policy
     * when it has one, otherwise [key]'s assigned policy, otherwise the default policy.
     */
    @JvmOverloads
    public fun policyFor(key: String, endpoint: String? = null): LimitPolicy {
        val config = snapshot.config
        return config.policies.getValue(Level.policyNameFor(config, key, endpoint))
    }

    /**
     * Returns the limiter of the policy named [policyName], over the same store and clock;
     * for queue mode and for inspecting or resetting a key's bucket.
     *
     * The limiter stays the same object across [update]s that keep the policy unchanged.
     *
     * @throws IllegalArgumentException when the config has no policy named [policyName].
     */
    public fun limiter(policyName: String): RateLimiter {
        val current = snapshot
        return current.limiters[policyName] ?: throw IllegalArgumentException(
            "no policy named '$policyName'; defined policies are ${current.config.policies.keys.sorted()}",
        )
    }

    /**
     * Replaces the config in force with [config], atomically: a check sees the old config or
     * the new one, never a mix. Buckets and limiters of unchanged policies keep their state.
     */
    public fun update(config: LimitsConfig) {
        synchronized(this) {
            snapshot = Snapshot(config, limitersFor(config, snapshot.limiters))
        }
    }

    /**
     * Validates [yaml] and, only when it is valid, puts it in force as [update] does;
     * returns the validation report. An invalid config leaves the running one untouched.
     */
    public fun update(yaml: String): ValidationReport {
        val report = LimitsConfig.validate(yaml)
        if (report.isValid) update(LimitsConfig.parse(yaml))
        return report
    }

    /**
     * Returns what [check] would answer for a request by [key] to [endpoint] from [address]
     * right now, consuming nothing: the level with the fewest requests left, or the one that
     * would refuse.
     */
    @JvmSynthetic
    public suspend fun status(key: String, endpoint: String? = null, address: String? = null): Decision {
        val own = Level.forRequest(snapshot.config, key, endpoint, null)
        val bucket = store.inspect(own.bucketKey(key), own.policy, own.permits, clock.nowMicros())
        return Decision.fromMicros(
            bucket.retryAfterMicros == 0L, bucket.remaining, bucket.limit, bucket.retryAfterMicros, bucket.resetAfterMicros,
            key, if (bucket.retryAfterMicros == 0L) null else DenyReason.LIMITED,
        ).withPolicy(own.policy.name)
    }

    /**
     * Keeps this engine on [store]'s latest config, in the background, until the returned
     * handle is closed; applies the store's current version first when it has one.
     */
    public fun follow(store: ConfigStore): AutoCloseable = ConfigFollower.start(this, store)

    /**
     * Scales the capacity and rate of the policies named in [policies] by [adaptive]'s factor,
     * from now on; a later call replaces an earlier one.
     */
    public fun adapt(adaptive: AdaptiveLimits, policies: Set<String>) {
        adaptation = adaptive to policies.toSet()
    }

    @Volatile
    private var adaptation: Pair<AdaptiveLimits, Set<String>>? = null

    /** Returns [key]'s usage: cluster-wide when the store shares usage (Redis), this node's otherwise. */
    @JvmSynthetic
    public suspend fun usage(key: String): KeyUsage = usageTracker.usage(key)

    /** Returns the [limit] busiest keys, busiest first; cluster-wide when the store shares usage. */
    @JvmSynthetic
    public suspend fun topKeys(limit: Int = 10): List<KeyUsage> = usageTracker.topKeys(limit)

    /** Blocking form of [status] for Java callers. */
    @JvmOverloads
    public fun statusBlocking(key: String, endpoint: String? = null, address: String? = null): Decision =
        runBlocking { status(key, endpoint, address) }

    /** Blocking form of [usage] for Java callers. */
    public fun usageBlocking(key: String): KeyUsage = runBlocking { usage(key) }

    /** Blocking form of [topKeys] for Java callers. */
    @JvmOverloads
    public fun topKeysBlocking(limit: Int = 10): List<KeyUsage> = runBlocking { topKeys(limit) }

    /** Counts every decision of this engine; cluster-wide when the store shares usage. */
    internal val usageTracker: EngineUsage = EngineUsage.forStore(store, clock)

    /** Closes the policies' limiters; the store stays open. */
    override fun close() {
        snapshot.limiters.values.forEach { it.close() }
        usageTracker.close() // cfgstore: stops the usage flush loop (last flush first)
    }

    private suspend fun decide(key: String, own: Level, global: Level?): Decision {
        val now = clock.nowMicros()
        val bucket = store.inspect(own.bucketKey(key), own.policy, own.permits, now)
        if (bucket.retryAfterMicros > 0) {
            return Decision.fromMicros(
                false, bucket.remaining, bucket.limit, bucket.retryAfterMicros, bucket.resetAfterMicros,
                key, DenyReason.LIMITED,
            )
        }
        // The global bucket is shared by every key, so no per-key lock guards it: charge it
        // first. The key's own level, guarded by the lock and just inspected, then passes too,
        // unless something outside this registry (another node, limiter(name)) took its permits.
        val ceiling = global?.let { store.tryConsume(it.bucketKey(key), it.policy, it.permits, now).withKey(key) }
        if (ceiling != null && !ceiling.allowed) return ceiling
        val decision = store.tryConsume(own.bucketKey(key), own.policy, own.permits, now).withKey(key)
        return if (ceiling != null && decision.allowed && ceiling.remaining < decision.remaining) ceiling else decision
    }

    private fun limitersFor(config: LimitsConfig, previous: Map<String, RateLimiter>): Map<String, RateLimiter> =
        config.policies.mapValues { (name, policy) ->
            previous[name]?.takeIf { it.policy == policy }
                ?: RateLimiter(policy, store, clock)
        }

    private companion object {
        const val STRIPES = 64
        const val GLOBAL_BUCKET = "limiter:global-ceiling"
    }
}
