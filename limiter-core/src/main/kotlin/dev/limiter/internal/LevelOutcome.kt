package dev.limiter.internal

import dev.limiter.BucketRequest
import dev.limiter.Caller
import dev.limiter.Decision
import dev.limiter.LimitPolicy

/**
 * One request of `RateLimits`, ready for the store: its levels (the own level first), or the
 * decision already reached without the store (deny or allow list).
 */
internal class PreparedCheck(
    val caller: Caller,
    val own: LimitPolicy,
    val permits: Long,
    val requests: List<BucketRequest>,
    val immediate: Decision?,
    /** [own] before adaptive scaling: the policy whose limiter queues the request. */
    val unscaledOwn: LimitPolicy = own,
)

/**
 * Turns the store's per-level decisions into the request's decision, shadow levels included.
 *
 * Shadow levels go into the same all-or-nothing store call as the others. When none refuses,
 * that one call charged every level. When an enforcing level refuses, nothing was charged and
 * the request is refused by that level. When only shadow levels refuse, nothing was charged
 * either: [retry] then charges the enforcing levels alone, again all or nothing, and the
 * request is allowed with `shadowDenied`. A shadow level is thus charged only for requests it
 * would itself admit (as if it were enforcing), and it never makes the enforcing levels'
 * charges partial: they are always charged together, in one store call.
 */
internal object LevelOutcome {
    /** The decision and the index of the level it comes from. */
    class Outcome(val decision: Decision, val policy: LimitPolicy)

    inline fun conclude(check: PreparedCheck, first: List<Decision>, retry: (List<BucketRequest>) -> List<Decision>): Outcome {
        val requests = check.requests
        var refused = -1
        var shadowRefused = -1
        for (i in first.indices) {
            if (first[i].allowed) continue
            if (requests[i].policy.isShadow) { if (shadowRefused < 0) shadowRefused = i } else if (refused < 0) refused = i
        }
        if (refused >= 0) return outcome(check, first[refused], requests[refused].policy)
        if (shadowRefused < 0) return outcome(check, first[0], requests[0].policy)
        val enforcing = requests.filter { !it.policy.isShadow }
        if (enforcing.isNotEmpty()) {
            val second = retry(enforcing)
            val again = second.indexOfFirst { !it.allowed }
            if (again >= 0) return outcome(check, second[again], enforcing[again].policy)
        }
        val would = first[shadowRefused]
        val policy = requests[shadowRefused].policy
        return Outcome(
            Decision(true, would.remaining, would.limit, 0, would.resetAfterMicros, check.caller.bucketKey, null, nameOf(policy), true),
            policy,
        )
    }

    fun outcome(check: PreparedCheck, decision: Decision, policy: LimitPolicy): Outcome =
        Outcome(decision.withKey(check.caller.bucketKey).withPolicy(nameOf(policy)), policy)

    fun nameOf(policy: LimitPolicy): String = policy.name ?: policy.id
}
