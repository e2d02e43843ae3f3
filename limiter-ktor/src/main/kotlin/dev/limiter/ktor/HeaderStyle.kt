package dev.limiter.ktor

/**
 * Which rate-limit headers responses carry; [BOTH] by default.
 *
 * Every style adds `Retry-After` (whole seconds, rounded up) to a 429 answer.
 */
public enum class HeaderStyle {
    /**
     * The IETF draft's structured fields: `RateLimit-Policy: "free";q=40;w=4` (quota and the
     * window in seconds) and `RateLimit: "free";r=39;t=1` (remaining and seconds until reset).
     */
    IETF,

    /** `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until reset). */
    LEGACY,

    /** Both [IETF] and [LEGACY] headers. */
    BOTH,

    /** No rate-limit headers; only `Retry-After` on 429. */
    NONE,
}

/** What the plugin does with a call that has no API key and no authenticated principal. */
public enum class MissingKey {
    /** Limit the call by its client address (the default). */
    CLIENT_ADDRESS,

    /** Answer 401 with an `application/problem+json` body naming the API-key header. */
    REJECT,
}
