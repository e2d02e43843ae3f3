package dev.limiter

import dev.limiter.internal.CircuitBreaker
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.withTimeout
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.cancellation.CancellationException

/**
 * A [BucketStore] over a remote [primary] that keeps deciding when the primary is slow or
 * gone, as [mode] says: from local buckets with the same policies ([FaultToleranceMode.LOCAL]),
 * allowing everything ([FaultToleranceMode.FAIL_OPEN]), denying everything with
 * [DenyReason.BACKEND_UNAVAILABLE] ([FaultToleranceMode.FAIL_CLOSED]), or not at all
 * ([FaultToleranceMode.NONE]: failures reach the caller as [BackendUnavailableException]).
 *
 * No request waits on the primary longer than [FaultToleranceSettings.commandTimeout]; a
 * timeout counts as a failure. [FaultToleranceSettings.failuresBeforeOpening] consecutive
 * failures open a circuit breaker: while it is open no request goes to the primary at all.
 * Once [FaultToleranceSettings.probeInterval] has passed, one request probes the primary;
 * its success closes the circuit and decisions return to the primary. In every mode but
 * [FaultToleranceMode.NONE], callers never see the primary's exceptions.
 *
 * Local buckets live in [fallback] and start full; with [FaultToleranceSettings.localShare]
 * of N they get 1/N of each policy's capacity and rate. The circuit reads time from [clock].
 */
public class FaultTolerantBucketStore @JvmOverloads constructor(
    /** The remote store decisions come from while it answers. */
    public val primary: BucketStore,
    /** What to do while [primary] fails. */
    public val mode: FaultToleranceMode,
    /** Timeout, circuit breaker and local share settings. */
    public val settings: FaultToleranceSettings = FaultToleranceSettings(),
    private val clock: LimiterClock = LimiterClock.SYSTEM,
    private val fallback: LocalBucketStore = LocalBucketStore(),
) : BucketStore, BackendStateSource {
    private val breaker = CircuitBreaker(
        clock, settings.failuresBeforeOpening, settings.probeInterval.toNanos(), primary.toString(),
    )
    private val timeoutMillis = maxOf(1, settings.commandTimeout.toMillis())
    private val fallbackCount = AtomicLong()
    private val localPolicies = ConcurrentHashMap<LimitPolicy, LimitPolicy>()

    /** Where decisions come from right now; [BackendState.PRIMARY] while the primary answers. */
    public val state: BackendState get() = if (mode == FaultToleranceMode.NONE) BackendState.PRIMARY else breaker.current

    override val backendState: BackendState get() = state

    /** Decisions answered without the primary since this store was created. */
    public val fallbackDecisions: Long get() = fallbackCount.get()

    /** Tells [listener] about every change of [state], once per change. */
    public fun addListener(listener: BackendStateListener) {
        breaker.addListener(listener)
    }

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision =
        decide({ primary.tryConsume(key, policy, permits, nowMicros) }) {
            if (mode == FaultToleranceMode.LOCAL) fallback.tryConsume(key, local(policy), permits, nowMicros)
            else fallbackDecision(key, policy)
        }

    /**
     * Decides every level on the primary, all or nothing; while the primary fails, decides
     * them all the same way: all from local buckets ([FaultToleranceMode.LOCAL], again all or
     * nothing), all allowed ([FaultToleranceMode.FAIL_OPEN]) or all refused
     * ([FaultToleranceMode.FAIL_CLOSED]). Never part on the primary and part locally.
     */
    override suspend fun tryConsumeAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> =
        decide({ primary.tryConsumeAll(requests, nowMicros) }) { fallbackAll(requests, nowMicros) }

    /** Answers without suspending while the circuit keeps requests off the primary; `null` otherwise. */
    override fun tryConsumeAllNow(requests: List<BucketRequest>, nowMicros: Long): List<Decision>? {
        if (mode == FaultToleranceMode.NONE || !breaker.isShortCircuited()) return null
        val decisions = when (mode) {
            FaultToleranceMode.LOCAL -> fallback.tryConsumeAllNow(localRequests(requests), nowMicros) ?: return null
            else -> requests.map { fallbackDecision(it.key, it.policy) }
        }
        fallbackCount.incrementAndGet()
        return decisions
    }

    private suspend fun fallbackAll(requests: List<BucketRequest>, nowMicros: Long): List<Decision> =
        if (mode == FaultToleranceMode.LOCAL) fallback.tryConsumeAll(localRequests(requests), nowMicros)
        else requests.map { fallbackDecision(it.key, it.policy) }

    private fun localRequests(requests: List<BucketRequest>): List<BucketRequest> =
        if (settings.localShare == 1) requests else requests.map { it.copy(policy = local(it.policy)) }

    /** The answer of [FaultToleranceMode.FAIL_OPEN] or [FaultToleranceMode.FAIL_CLOSED]. */
    private fun fallbackDecision(key: String, policy: LimitPolicy): Decision =
        if (mode == FaultToleranceMode.FAIL_OPEN) {
            Decision.fromMicros(true, policy.capacity, policy.capacity, 0, 0, key, null)
        } else {
            Decision.fromMicros(
                false, 0, policy.capacity, settings.probeInterval.toNanos() / 1_000, 0, key, DenyReason.BACKEND_UNAVAILABLE,
            )
        }

    /**
     * Answers without suspending while the circuit keeps requests off the primary (so Java's
     * blocking facade needs no `runBlocking` during an outage); `null` otherwise.
     */
    override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): Decision? {
        if (mode == FaultToleranceMode.NONE || !breaker.isShortCircuited()) return null
        val decision = when (mode) {
            FaultToleranceMode.LOCAL -> fallback.tryConsumeNow(key, local(policy), permits, nowMicros) ?: return null
            else -> fallbackDecision(key, policy)
        }
        fallbackCount.incrementAndGet()
        return decision
    }

    override suspend fun inspect(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long): BucketSnapshot =
        decide({ primary.inspect(key, policy, permits, nowMicros) }) {
            when (mode) {
                FaultToleranceMode.LOCAL -> fallback.inspect(key, local(policy), permits, nowMicros)
                FaultToleranceMode.FAIL_OPEN -> BucketSnapshot(policy.capacity.toDouble(), policy.capacity, policy.capacity, 0, 0)
                else -> BucketSnapshot(0.0, 0, policy.capacity, settings.probeInterval.toNanos() / 1_000, 0)
            }
        }

    /** Forgets [key]'s bucket in the primary, when it answers, and in the local fallback. */
    override suspend fun reset(key: String, policy: LimitPolicy) {
        fallback.reset(key, local(policy))
        decide({ primary.reset(key, policy) }) {}
    }

    /** Closes the primary. */
    override fun close() {
        primary.close()
    }

    override fun toString(): String = "FaultTolerantBucketStore($primary, mode=$mode, state=$state)"

    private suspend inline fun <T> decide(crossinline onPrimary: suspend () -> T, otherwise: () -> T): T {
        if (mode == FaultToleranceMode.NONE) {
            return try {
                withTimeout(timeoutMillis) { onPrimary() }
            } catch (e: TimeoutCancellationException) {
                throw BackendUnavailableException("$primary did not answer within ${settings.commandTimeout}", e)
            } catch (e: CancellationException) {
                throw e
            } catch (e: IllegalArgumentException) {
                throw e
            } catch (e: Exception) {
                throw BackendUnavailableException("$primary failed: $e", e)
            }
        }
        val pass = breaker.tryPass()
        if (pass != CircuitBreaker.Pass.NONE) {
            try {
                val answer = withTimeout(timeoutMillis) { onPrimary() }
                breaker.onSuccess()
                return answer
            } catch (e: TimeoutCancellationException) {
                breaker.onFailure(e)
            } catch (e: CancellationException) {
                // The caller went away: that says nothing about the backend.
                if (pass == CircuitBreaker.Pass.PROBE) breaker.abandonProbe()
                throw e
            } catch (e: IllegalArgumentException) {
                // A request the store refused before asking the backend: the caller's error.
                if (pass == CircuitBreaker.Pass.PROBE) breaker.abandonProbe()
                throw e
            } catch (e: Exception) {
                breaker.onFailure(e)
            }
        }
        fallbackCount.incrementAndGet()
        return otherwise()
    }

    /** [policy] with 1/localShare of its capacity and rate. */
    private fun local(policy: LimitPolicy): LimitPolicy {
        val share = settings.localShare
        if (share == 1) return policy
        return localPolicies.getOrPut(policy) {
            val capacity = maxOf(1, policy.capacity / share)
            val rate = if (policy.algorithm.id.contains("window")) {
                Rate.of(capacity, policy.rate.period)
            } else {
                val period = policy.rate.period.multipliedBy(share.toLong())
                if (period <= java.time.Duration.ofDays(366)) Rate.of(policy.rate.amount, period)
                else Rate.of(maxOf(1, policy.rate.amount / share), policy.rate.period)
            }
            val scaled = LimitPolicy.of(policy.algorithm, capacity, rate)
            val named = policy.name?.let { scaled.named(it) } ?: scaled
            if (policy.isShadow) named.shadow() else named
        }
    }
}
