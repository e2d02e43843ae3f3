package dev.limiter.ktor

/** What the plugin does with a call that has no API key and no authenticated principal. */
public enum class MissingKey {
    /** Limit the call by its client address (the default). */
    CLIENT_ADDRESS,

    /** Answer 401 with an `application/problem+json` body naming the API-key header. */
    REJECT,
}
