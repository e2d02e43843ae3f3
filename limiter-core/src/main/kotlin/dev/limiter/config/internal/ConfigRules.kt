package dev.limiter.config.internal

import dev.limiter.LimitPolicy

/**
 * The meaning checks of a limits config, shared by the YAML reader (which adds locations)
 * and by configs built in code. Each returns the problem's message, or `null` when fine.
 */
internal object ConfigRules {
    private val POLICY_NAME = Regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

    fun policyName(name: String): String? = if (POLICY_NAME.matches(name)) null else
        "invalid policy name '$name'; use 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit"

    fun policyReference(name: String, policies: Collection<String>): String? = when {
        name in policies -> null
        policies.isEmpty() -> "unknown policy '$name'; no policies are defined, add a policy named '$name' under policies"
        else -> "unknown policy '$name'${Suggestions.didYouMean(name, policies)}; defined policies are " +
            policies.sorted().joinToString(", ") + ", or add a policy named '$name' under policies"
    }

    /** A [cost] drawn from [policy] (named [name], reached via [how]) must fit its capacity. */
    fun cost(cost: Long, name: String, policy: LimitPolicy, how: String): String? = if (cost <= policy.capacity) null else
        "cost $cost is larger than the capacity ${policy.capacity} of policy '$name' ($how), so no call could ever " +
            "pass; lower the cost to at most ${policy.capacity} or raise that policy's capacity"

    fun listEntry(entry: String): String? = when {
        entry.isBlank() -> "empty entry; write an API key, an IP address such as 10.0.0.1 or a CIDR range such as 10.0.0.0/8"
        CidrRange.looksLikeAddress(entry) -> CidrRange.problem(entry)
        '/' in entry -> "invalid CIDR range '$entry'; write a range such as 10.0.0.0/8 or 2001:db8::/32"
        else -> null
    }

    /**
     * Every policy a call to an endpoint without its own policy may draw from: the default
     * policy and each policy assigned to a key, with how it is reached.
     */
    fun callerPolicies(defaultPolicy: String, keys: Map<String, String>): Map<String, String> {
        val reached = LinkedHashMap<String, String>()
        reached[defaultPolicy] = "the default policy"
        for ((key, name) in keys) reached.putIfAbsent(name, "assigned to key '$key'")
        return reached
    }
}
