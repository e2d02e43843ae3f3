package dev.limiter

import dev.limiter.adaptive.AdaptiveLimits
import dev.limiter.config.ConfigStore
import dev.limiter.config.LimitsConfig
import dev.limiter.config.ValidationReport
import dev.limiter.config.VersionedConfig
import dev.limiter.config.internal.ConfigFollower
import dev.limiter.internal.EnginePlan
import dev.limiter.internal.EngineAdaptation
import dev.limiter.internal.EngineUsage
import dev.limiter.internal.LevelOutcome
import dev.limiter.internal.PolicyCounts
import dev.limiter.internal.PreparedCheck
import dev.limiter.internal.ScalingStore
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.function.Consumer
import kotlin.time.toKotlinDuration

/**
 * The engine that decides every request: resolves a caller, endpoint and address to the levels
 * that apply and decides them together, all or nothing, in one store operation.
 *
 * A request's levels: its own policy (the endpoint's policy when the endpoint has one, the
 * caller's assigned policy, or the default), the config's `levels` that apply to it (per
 * address, per endpoint, per key and endpoint, per key and address) and the `global` ceiling.
 * They go to [BucketStore.tryConsumeAll] together: every level is charged or none is, on one
 * node as across nodes sharing a store. A refusal names the level that refused in
 * [Decision.policy]; an allowed decision is the request's own level's (its numbers, its name),
 * unless a shadow level would have refused it (then that level's, with `shadowDenied`).
 *
 * Shadow policies ([LimitPolicy.shadow], `mode: shadow`) are decided in the same store call
 * but never refuse: a request only they would refuse is allowed with [Decision.shadowDenied],
 * the enforcing levels charged together without them (see `LevelOutcome` for why this keeps
 * the enforcing levels atomic).
 *
 * Whatever depends only on the config (ceiling, levels by endpoint, lists) is worked out when
 * the config is put in force. [update] swaps it whole: each check sees the old config or the
 * new one. A named policy keeps its buckets across updates that change its numbers. Every
 * decision goes to the [listener] (metrics) and the usage tracker, once. The store is not
 * closed by [close], since stores may be shared.
 *
 * Adaptive limits: the config's `adaptive:` section is applied by the engine itself, from
 * construction and on every [update] (and so under [follow]); an update that keeps the
 * section's signals and settings keeps its [AdaptiveLimits], so the factor does not jump back
 * to 1 on a hot reload. [adapt] replaces the section's limits for good. See [adaptive].
 */
public class RateLimits @JvmOverloads constructor(
    config: LimitsConfig,
    private val store: BucketStore = LocalBucketStore(),
    private val clock: LimiterClock = LimiterClock.SYSTEM,
    /** Told about every decision, e.g. [LimiterMetrics]; queued requests are told by their policy's limiter. */
    private val listener: LimiterListener = LimiterListener.NONE,
    private val maxQueueSize: Int = RateLimiterBuilder.DEFAULT_MAX_QUEUE_SIZE,
) : AutoCloseable {
    private class Snapshot(val plan: EnginePlan, val limiters: Map<String, RateLimiter>)

    private val adaptation = EngineAdaptation(clock).apply { configure(config.adaptive) }

    /** Scales a policy by the factor in force; one object, so that checks allocate no reference to it. */
    private val scale: (LimitPolicy) -> LimitPolicy = adaptation::scale

    /** What the policies' limiters decide on: [store], with adaptive policies scaled at each call. */
    private val limiterStore: BucketStore = ScalingStore(store, scale)

    @Volatile
    private var snapshot: Snapshot = Snapshot(EnginePlan(config), limitersFor(config, emptyMap()))
    private val extraLimiters = ConcurrentHashMap<String, RateLimiter>()
    private val counts = ConcurrentHashMap<String, PolicyCounts>()
    // Java futures run here; the coroutines are the queued requests themselves, ended by their own wait.
    private val javaScope = CoroutineScope(Dispatchers.Default)

    /** The config in force now; replaced as a whole by [update]. */
    public val config: LimitsConfig get() = snapshot.plan.config

    /**
     * Checks a request by API key [key] to [endpoint] (`"POST /reports"`) from [address] and,
     * when every level allows it, takes its permits; see [check] with a [Caller].
     *
     * @throws IllegalArgumentException when [permits] is below 1 or above a level's capacity.
     */
    @JvmSynthetic
    public suspend fun check(key: String, endpoint: String? = null, address: String? = null, permits: Long? = null): Decision =
        check(Caller.apiKey(key), endpoint, address, permits)

    /**
     * Checks a request by [caller] to [endpoint] from [address] and, when every level allows
     * it, takes its permits from all of them at once; returns the decision.
     *
     * A denylisted key or address is refused with [DenyReason.DENYLISTED] (the deny list wins);
     * an allowlisted one is allowed without touching any bucket, with `remaining` and `limit`
     * of [Long.MAX_VALUE] and no policy. [permits] defaults to the endpoint's cost, or 1.
     * [policy], when given, replaces the endpoint's or caller's own policy (route-scoped
     * limits, a policy named by the caller of `/v1/check`); the other levels still apply.
     *
     * @throws IllegalArgumentException when [permits] is below 1 or above a level's capacity,
     * so that the request could never be granted.
     */
    @JvmSynthetic
    public suspend fun check(
        caller: Caller,
        endpoint: String? = null,
        address: String? = null,
        permits: Long? = null,
        policy: LimitPolicy? = null,
    ): Decision {
        val check = prepare(caller, endpoint, address, permits, policy)
        check.immediate?.let { return it }
        val now = clock.nowMicros()
        val first = store.tryConsumeAll(check.requests, now)
        return report(check, LevelOutcome.conclude(check, first) { store.tryConsumeAll(it, now) })
    }

    /**
     * Like [check], but a request over its limit waits up to [maxWait] in its policy's queue
     * (served by [priority], higher first; FIFO within a priority) instead of being refused.
     *
     * Only a request with one level waits: with a ceiling or further levels it is decided at
     * once, as [check] does, because waiting in one level's queue would hold that level's
     * permits back while another level's go to other callers, and charging levels one by one
     * would break all-or-nothing. Queues are per node; the permits stay in the store.
     */
    @JvmSynthetic
    public suspend fun checkQueued(
        caller: Caller,
        endpoint: String? = null,
        address: String? = null,
        permits: Long? = null,
        policy: LimitPolicy? = null,
        priority: Int = 0,
        maxWait: kotlin.time.Duration,
    ): Decision {
        val check = prepare(caller, endpoint, address, permits, policy)
        check.immediate?.let { return it }
        if (check.requests.size > 1 || check.own.isShadow) return check(caller, endpoint, address, permits, policy)
        // The unscaled policy's limiter: its store scales at each call, so a factor change
        // neither replaces the limiter nor fails the callers waiting in its queue.
        val own = check.unscaledOwn
        val decision = limiterFor(own).queueRequest(caller.bucketKey, priority, maxWait, check.permits)
            .withPolicy(LevelOutcome.nameOf(own))
        usageTracker.record(caller.bucketKey, decision, check.permits)
        return decision
    }

    /**
     * Blocking form of [check] for Java callers; same arguments, same decision. Answers
     * without `runBlocking` when the store can decide without suspending (in memory).
     *
     * @throws IllegalArgumentException when [permits] could never be granted.
     */
    @JvmOverloads
    public fun checkBlocking(key: String, endpoint: String? = null, address: String? = null, permits: Long? = null): Decision {
        val check = prepare(Caller.apiKey(key), endpoint, address, permits, null)
        check.immediate?.let { return it }
        val now = clock.nowMicros()
        val first = store.tryConsumeAllNow(check.requests, now) ?: runBlocking { store.tryConsumeAll(check.requests, now) }
        return report(check, LevelOutcome.conclude(check, first) { store.tryConsumeAllNow(it, now) ?: runBlocking { store.tryConsumeAll(it, now) } })
    }

    /**
     * Blocking form of [check] with a [Caller], for Java callers; same arguments, same decision.
     *
     * @throws IllegalArgumentException when [permits] could never be granted.
     */
    @JvmOverloads
    public fun checkBlocking(
        caller: Caller,
        endpoint: String?,
        address: String? = null,
        permits: Long? = null,
        policy: LimitPolicy? = null,
    ): Decision = runBlocking { check(caller, endpoint, address, permits, policy) }

    /**
     * [checkQueued] for Java: completes with the decision once the request is granted, refused
     * at once (over its queue's bound, or its earliest grant lies beyond [maxWait]), or has
     * waited [maxWait]. Cancelling the future withdraws the request from its queue. A request
     * that can be decided without waiting completes before this returns; one whose [permits]
     * could never be granted completes exceptionally with an [IllegalArgumentException].
     */
    @JvmOverloads
    public fun checkQueuedAsync(
        caller: Caller,
        maxWait: java.time.Duration,
        endpoint: String? = null,
        address: String? = null,
        permits: Long? = null,
        policy: LimitPolicy? = null,
        priority: Int = 0,
    ): CompletableFuture<Decision> {
        val wait = maxWait.toKotlinDuration()
        return javaScope.future(start = CoroutineStart.UNDISPATCHED) {
            checkQueued(caller, endpoint, address, permits, policy, priority, wait)
        }
    }

    /** Blocking form of [checkQueued] for Java callers: waits on the calling thread; same arguments as [checkQueuedAsync]. */
    @JvmOverloads
    public fun checkQueuedBlocking(
        caller: Caller,
        maxWait: java.time.Duration,
        endpoint: String? = null,
        address: String? = null,
        permits: Long? = null,
        policy: LimitPolicy? = null,
        priority: Int = 0,
    ): Decision {
        val wait = maxWait.toKotlinDuration()
        return runBlocking { checkQueued(caller, endpoint, address, permits, policy, priority, wait) }
    }

    /** Blocking form of [reset] for Java callers. */
    @JvmOverloads
    public fun resetBlocking(caller: Caller, policy: LimitPolicy? = null): Unit = runBlocking { reset(caller, policy) }

    /**
     * Returns the policy a request by [key] to [endpoint] draws from: the endpoint's policy
     * when it has one, otherwise [key]'s assigned policy, otherwise the default policy.
     */
    @JvmOverloads
    public fun policyFor(key: String, endpoint: String? = null): LimitPolicy {
        val plan = snapshot.plan
        return plan.ownPolicy(key, plan.normalize(endpoint)?.let { plan.config.endpointLimit(it)?.policy })
    }

    /**
     * Returns the limiter of the policy named [policyName], over the same store and clock;
     * for inspecting or resetting a key's bucket. Stays the same object across [update]s that
     * keep the policy unchanged and across moves of the adaptive factor: an adaptive policy's
     * limiter decides under the policy scaled by the factor in force at each call, while its
     * [RateLimiter.policy] stays the configured one.
     *
     * @throws IllegalArgumentException when the config has no policy named [policyName].
     */
    public fun limiter(policyName: String): RateLimiter {
        val current = snapshot
        return current.limiters[policyName] ?: throw IllegalArgumentException(
            "no policy named '$policyName'; defined policies are ${current.plan.config.policies.keys.sorted()}",
        )
    }

    /**
     * Returns a limiter for [policy] over this engine's store, clock and listener: the
     * configured one when [policy] is a policy of the config, else one kept for [policy]'s
     * name (or id) from now on. Same buckets as [check].
     */
    public fun limiterFor(policy: LimitPolicy): RateLimiter {
        val name = LevelOutcome.nameOf(policy)
        snapshot.limiters[name]?.takeIf { it.policy == policy }?.let { return it }
        extraLimiters[name]?.takeIf { it.policy == policy }?.let { return it }
        return extraLimiters.compute(name) { _, old ->
            if (old != null && old.policy == policy) old else newLimiter(policy).also { old?.close() }
        }!!
    }

    /**
     * Decisions per policy (level) on this node since the engine was created, queued requests
     * included; keyed by policy name.
     */
    public fun usageStats(): Map<String, UsageStats> {
        val names = LinkedHashSet<String>()
        names += counts.keys
        names += snapshot.limiters.keys
        names += extraLimiters.keys
        return names.associateWith { name ->
            val queued = (snapshot.limiters[name] ?: extraLimiters[name])?.usageStats()
            counts[name]?.plus(queued) ?: queued ?: PolicyCounts().plus(null)
        }
    }

    /**
     * This node's decisions for the bucket key [bucketKey] (see [Caller.bucketKey]) under the
     * policy named [policyName], queued ones included.
     */
    public fun usageStats(policyName: String, bucketKey: String): KeyUsage {
        val mine = counts[policyName]?.keyUsage(bucketKey)
        val queued = (snapshot.limiters[policyName] ?: extraLimiters[policyName])?.usageStats(bucketKey)
        if (mine == null) return queued ?: KeyUsage(bucketKey, 0, 0, 0)
        if (queued == null) return mine
        return KeyUsage(bucketKey, mine.allowed + queued.allowed, mine.rejected + queued.rejected, mine.permitsGranted + queued.permitsGranted)
    }

    /**
     * Replaces the config in force with [config], atomically: a check sees the old config or
     * the new one, never a mix. Buckets of named policies keep their state. Its `adaptive:`
     * section is followed as the class comment says.
     */
    public fun update(config: LimitsConfig) {
        synchronized(this) {
            adaptation.configure(config.adaptive)
            snapshot = Snapshot(EnginePlan(config), limitersFor(config, snapshot.limiters))
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
     * right now, consuming nothing: the level that would refuse, or the request's own level.
     */
    @JvmSynthetic
    public suspend fun status(key: String, endpoint: String? = null, address: String? = null): Decision =
        status(Caller.apiKey(key), endpoint, address)

    /** [status] for a [caller], optionally under [policy] instead of its own; consumes nothing. */
    @JvmSynthetic
    public suspend fun status(caller: Caller, endpoint: String? = null, address: String? = null, policy: LimitPolicy? = null): Decision {
        // Resolved without prepare(): a status read is not a decision, so nothing is counted.
        val check = snapshot.plan.prepare(caller, endpoint, address, null, policy, scale)
        check.immediate?.let { return it }
        val now = clock.nowMicros()
        val decisions = check.requests.map { r ->
            val b = store.inspect(r.key, r.policy, r.permits, now)
            val allowed = b.retryAfterMicros == 0L
            Decision.fromMicros(allowed, b.remaining, b.limit, b.retryAfterMicros, b.resetAfterMicros, r.key, if (allowed) null else DenyReason.LIMITED)
        }
        return LevelOutcome.conclude(check, decisions) { it.map { r -> decisions[check.requests.indexOf(r)] } }.decision
    }

    /** Forgets [caller]'s own bucket under [policy] (by default its own policy): the next request finds it full. */
    @JvmSynthetic
    public suspend fun reset(caller: Caller, policy: LimitPolicy? = null) {
        store.reset(caller.bucketKey, policy ?: snapshot.plan.ownPolicy(caller.key, null))
    }

    /**
     * Keeps this engine on [store]'s latest config, in the background, until the returned
     * handle is closed; applies the store's current version first when it has one.
     * [onApplied], when given, is told each version right after it is in force here (on the
     * follower's thread; it must not block), so a caller can wait for a version it published.
     */
    @JvmOverloads
    public fun follow(store: ConfigStore, onApplied: Consumer<VersionedConfig>? = null): AutoCloseable =
        ConfigFollower.start(this, store, onApplied)

    /**
     * Scales the capacity and rate of the policies named in [policies] by [adaptive]'s factor,
     * from now on; a later call replaces an earlier one. Scaled policies keep their buckets.
     * An explicit call wins over the config's `adaptive:` section, now and after any
     * [update]: the section is then ignored.
     */
    public fun adapt(adaptive: AdaptiveLimits, policies: Set<String>) {
        adaptation.adapt(adaptive, policies)
    }

    /**
     * The adaptive limits in force: those given to [adapt], else those the config's
     * `adaptive:` section built, else `null`. The Ktor plugin feeds it responses and shows its
     * factor; it may change on [update] when the section's signals or settings change.
     */
    public val adaptive: AdaptiveLimits? get() = adaptation.limits

    /** The names of the policies [adaptive] scales; empty without adaptive limits. */
    public val adaptivePolicies: Set<String> get() = adaptation.policies

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

    /** Blocking form of [status] with a [Caller] for Java callers; consumes nothing. */
    @JvmOverloads
    public fun statusBlocking(caller: Caller, endpoint: String?, address: String? = null, policy: LimitPolicy? = null): Decision =
        runBlocking { status(caller, endpoint, address, policy) }

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
        extraLimiters.values.forEach { it.close() }
        usageTracker.close() // cfgstore: stops the usage flush loop (last flush first)
    }

    private fun prepare(caller: Caller, endpoint: String?, address: String?, permits: Long?, policy: LimitPolicy?): PreparedCheck {
        val check = snapshot.plan.prepare(caller, endpoint, address, permits, policy, scale)
        // List decisions are decisions too: a deny-listed one is counted and reported like any
        // other; an allow-listed one decided no level, so only usage counts it.
        check.immediate?.let {
            if (it.allowed) usageTracker.record(it.key, it, check.permits) else report(check.own, it, check.permits)
        }
        return check
    }

    private fun report(check: PreparedCheck, outcome: LevelOutcome.Outcome): Decision =
        report(outcome.policy, outcome.decision, check.permits)

    private fun report(policy: LimitPolicy, decision: Decision, permits: Long): Decision {
        listener.onDecision(policy, decision, java.time.Duration.ZERO, false)
        counts.computeIfAbsent(LevelOutcome.nameOf(policy)) { PolicyCounts() }.record(decision, permits, clock.nowMicros())
        usageTracker.record(decision.key, decision, permits)
        return decision
    }

    private fun newLimiter(policy: LimitPolicy): RateLimiter =
        RateLimiter.builder(policy).store(limiterStore).clock(clock).maxQueueSize(maxQueueSize).listener(listener).buildSuspending()

    private fun limitersFor(config: LimitsConfig, previous: Map<String, RateLimiter>): Map<String, RateLimiter> =
        config.policies.mapValues { (name, policy) ->
            previous[name]?.takeIf { it.policy == policy } ?: newLimiter(policy)
        }

    public companion object {
        /** Returns a builder of an engine for [config]: `RateLimits.builder(config).store(s).clock(c).build()`. */
        @JvmStatic
        public fun builder(config: LimitsConfig): RateLimitsBuilder = RateLimitsBuilder(config)
    }
}
