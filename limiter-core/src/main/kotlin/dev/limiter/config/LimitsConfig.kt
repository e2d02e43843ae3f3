package dev.limiter.config

import dev.limiter.LimitPolicy
import dev.limiter.adaptive.AdaptiveConfig
import dev.limiter.config.internal.AccessList
import dev.limiter.config.internal.Endpoints
import dev.limiter.config.internal.LimitsConfigReader
import dev.limiter.config.internal.LimitsConfigWriter

/**
 * A validated set of limits: named policies, the default one, per-key assignments, endpoint
 * costs, allow and deny lists, an optional global ceiling and further [levels].
 *
 * Read one from YAML with [parse] (or check YAML without throwing with [validate]); build one
 * in code with the constructor. Either way every policy reference resolves, every cost fits
 * the policy it draws from, and every list entry is a key, an IP address or a CIDR range.
 * Instances are immutable.
 */
public class LimitsConfig @JvmOverloads constructor(
    /** Policies by name; each is [LimitPolicy.named] after its key. Never empty. */
    policies: Map<String, LimitPolicy>,
    /** The name of the policy for keys without an assignment; a key of [policies]. */
    public val defaultPolicy: String,
    /** Policy names by API key, for keys that do not follow [defaultPolicy]. */
    keys: Map<String, String> = emptyMap(),
    /** Endpoint costs by endpoint, such as `POST /reports` or `/search` (any method). */
    endpoints: Map<String, EndpointLimit> = emptyMap(),
    /** Keys, IP addresses and CIDR ranges that bypass every limit. */
    allowlist: List<String> = emptyList(),
    /** Keys, IP addresses and CIDR ranges that are always refused with `DENYLISTED`. */
    denylist: List<String> = emptyList(),
    /** A ceiling shared by all keys, checked on top of each key's own limit; `null` for none. */
    public val global: LimitPolicy? = null,
    /** Further levels checked with each request's own policy, all or nothing: per address, per endpoint, …. */
    levels: List<LimitLevel> = emptyList(),
    /** Adaptive scaling of named policies under load (the `adaptive:` section); `null` for none. */
    public val adaptive: AdaptiveConfig? = null,
) {
    /** Further levels checked with each request's own policy, in order. */
    public val levels: List<LimitLevel> = levels.map { level ->
        level.endpoint?.let { LimitLevel(level.per, level.policy, Endpoints.normalize(it)) } ?: level
    }

    /** Policies by name, each labelled with its name. */
    public val policies: Map<String, LimitPolicy> =
        policies.mapValues { (name, policy) -> if (policy.name == name) policy else policy.named(name) }

    /** Policy names by API key. */
    public val keys: Map<String, String> = keys.toMap()

    /** Endpoint costs, keyed by the normalized endpoint (`METHOD /path` or `/path`). */
    public val endpoints: Map<String, EndpointLimit> = endpoints.mapKeys { (endpoint, _) -> Endpoints.normalize(endpoint) }

    /** Keys, IP addresses and CIDR ranges that bypass every limit. */
    public val allowlist: List<String> = allowlist.toList()

    /** Keys, IP addresses and CIDR ranges that are always refused. */
    public val denylist: List<String> = denylist.toList()

    internal val allowed: AccessList = AccessList.of(this.allowlist)
    internal val denied: AccessList = AccessList.of(this.denylist)

    init {
        val problems = LimitsConfigReader.checkModel(this)
        require(problems.isEmpty()) { "invalid limits config: " + problems.joinToString("; ") }
    }

    /** Returns the name of the policy [key] follows: its assignment, or [defaultPolicy]. */
    public fun policyNameFor(key: String): String = keys[key] ?: defaultPolicy

    /**
     * Returns the limit of [endpoint] (`"POST /reports"`, matched exactly, then by path alone),
     * or `null` when the endpoint has none and costs 1 from the caller's policy.
     */
    public fun endpointLimit(endpoint: String): EndpointLimit? = Endpoints.lookup(endpoints, endpoint)

    /** Returns this config as YAML that [parse] reads back to an equal config. */
    public fun toYaml(): String = LimitsConfigWriter.write(this)

    override fun equals(other: Any?): Boolean = other is LimitsConfig &&
        other.policies == policies &&
        other.defaultPolicy == defaultPolicy && other.keys == keys && other.endpoints == endpoints &&
        other.allowlist == allowlist && other.denylist == denylist && other.global == global && other.levels == levels &&
        other.adaptive == adaptive

    override fun hashCode(): Int = listOf(policies, defaultPolicy, keys, endpoints, allowlist, denylist, global, levels, adaptive).hashCode()

    override fun toString(): String =
        "LimitsConfig(policies=${policies.keys}, defaultPolicy=$defaultPolicy, keys=${keys.size}, " +
            "endpoints=${endpoints.keys}, allowlist=${allowlist.size}, denylist=${denylist.size}, global=$global, " +
            "levels=${levels.size}, adaptive=$adaptive)"

    public companion object {
        /**
         * Reads a config from [yaml]; the config when it is valid.
         *
         * @throws LimitsConfigException carrying every problem found, each with its path,
         * line and column, when [yaml] is not a valid config.
         */
        @JvmStatic
        public fun parse(yaml: String): LimitsConfig {
            val result = LimitsConfigReader.read(yaml)
            return result.config ?: throw LimitsConfigException(result.errors)
        }

        /**
         * Validates [yaml] and returns every problem found; an empty, valid report when
         * [yaml] is a valid config. Never throws for bad input.
         */
        @JvmStatic
        public fun validate(yaml: String): ValidationReport = ValidationReport.of(LimitsConfigReader.read(yaml).errors)
    }
}
