package dev.limiter.config

/**
 * A limit checked on top of each request's own policy, all-or-nothing with it: per client
 * address, per endpoint for all callers together, or per key and endpoint / key and address.
 *
 * In YAML, an entry of `levels`: `{ per: ip, policy: per-ip }`,
 * `{ per: endpoint, endpoint: "GET /search", policy: search-all }`. A level whose [endpoint] is
 * set applies only to requests to that endpoint (`METHOD /path`, or `/path` for any method);
 * one without applies to every request that has what [per] needs (an address, an endpoint).
 * A level that does not apply to a request is skipped.
 */
public class LimitLevel @JvmOverloads constructor(
    /** What one bucket of this level counts. */
    public val per: Per,
    /** The name of the policy of `policies` that limits each bucket of this level. */
    public val policy: String,
    /** The endpoint this level is limited to, or `null` for every endpoint. */
    public val endpoint: String? = null,
) {
    /** What one bucket of a [LimitLevel] counts; [id] is the name used in YAML. */
    public enum class Per(public val id: String) {
        /** One bucket per client address. */
        IP("ip"),

        /** One bucket per endpoint, shared by all callers. */
        ENDPOINT("endpoint"),

        /** One bucket per key and endpoint. */
        KEY_ENDPOINT("key+endpoint"),

        /** One bucket per key and client address (catches one key shared across addresses). */
        KEY_IP("key+ip");

        public companion object {
            /** Returns the [Per] whose [id] is [id], or `null`. */
            @JvmStatic
            public fun fromId(id: String): Per? = entries.firstOrNull { it.id == id }
        }
    }

    override fun equals(other: Any?): Boolean =
        other is LimitLevel && other.per == per && other.policy == policy && other.endpoint == endpoint

    override fun hashCode(): Int = (per.hashCode() * 31 + policy.hashCode()) * 31 + (endpoint?.hashCode() ?: 0)

    override fun toString(): String = "LimitLevel(per=${per.id}, policy=$policy" + (endpoint?.let { ", endpoint=$it" } ?: "") + ")"
}
