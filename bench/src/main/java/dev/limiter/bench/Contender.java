package dev.limiter.bench;

/** A rate limiter under load: one decision per call, for a key. */
interface Contender extends AutoCloseable {
    /** Returns the label used in reports, such as {@code bucket4j-lettuce}. */
    String name();

    /** Decides one request of cost 1 for {@code key}; returns whether it was granted. */
    boolean decide(String key) throws Exception;

    @Override
    void close();
}
