package dev.limiter.bench;

/** A rate limiter under load: one decision per call, for a key. */
interface Contender extends AutoCloseable {
    /** Returns the label used in reports, such as {@code bucket4j-lettuce}. */
    String name();

    /** Decides one request of cost 1 for {@code key}; returns whether it was granted. */
    boolean decide(String key) throws Exception;

    /**
     * Decides one request of cost 1 for {@code key} without blocking the calling thread, by the
     * contender's own asynchronous API.
     */
    default java.util.concurrent.CompletableFuture<Boolean> decideAsync(String key) {
        throw new UnsupportedOperationException(name() + " has no asynchronous API");
    }

    @Override
    void close();
}
