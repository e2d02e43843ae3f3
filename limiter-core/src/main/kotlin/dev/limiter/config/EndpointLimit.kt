package dev.limiter.config

/**
 * What a call to one endpoint costs: [cost] permits, drawn from [policy] when set, otherwise
 * from the caller's own policy.
 */
public class EndpointLimit @JvmOverloads constructor(
    /** Permits one call takes; at least 1. */
    public val cost: Long,
    /** The policy the permits come from, by name; `null` for the caller's own policy. */
    public val policy: String? = null,
) {
    init {
        require(cost >= 1) { "endpoint cost must be at least 1, was $cost" }
    }

    override fun equals(other: Any?): Boolean = other is EndpointLimit && other.cost == cost && other.policy == policy

    override fun hashCode(): Int = 31 * cost.hashCode() + (policy?.hashCode() ?: 0)

    override fun toString(): String = if (policy == null) "EndpointLimit(cost=$cost)" else "EndpointLimit(cost=$cost, policy=$policy)"
}
