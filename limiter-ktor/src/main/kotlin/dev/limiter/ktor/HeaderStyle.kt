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
