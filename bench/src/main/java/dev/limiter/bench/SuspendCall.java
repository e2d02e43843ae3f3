package dev.limiter.bench;

import dev.limiter.Decision;
import dev.limiter.RateLimiter;
import java.util.concurrent.locks.LockSupport;
import kotlin.coroutines.Continuation;
import kotlin.coroutines.CoroutineContext;
import kotlin.coroutines.EmptyCoroutineContext;
import kotlin.coroutines.intrinsics.IntrinsicsKt;
import kotlin.jvm.functions.Function3;

/**
 * Calls the Kotlin suspend {@code RateLimiter.tryAcquire} from Java the way compiled Kotlin
 * does: a suspend function that does not suspend returns its value directly, so no
 * {@code runBlocking}, dispatcher or coroutine is involved and the benchmark measures the
 * limiter, not a bridge.
 *
 * <p>One instance per thread (it is reused for every call, like the continuation of a loop in
 * one coroutine). If a call does suspend (a contended {@code Mutex}), the thread parks until
 * the limiter resumes the continuation; {@link #suspensions()} counts how often that happened.
 */
final class SuspendCall implements Continuation<Object> {
    private static final Object NOTHING = new Object();

    private final Thread owner = Thread.currentThread();
    private volatile Object result = NOTHING;
    private long suspensions;

    private RateLimiter lastLimiter;
    private Function3<String, Long, Continuation<? super Decision>, Object> tryAcquire;

    /** Returns the decision of {@code limiter.tryAcquire(key, permits)}. */
    @SuppressWarnings("unchecked")
    Decision tryAcquire(RateLimiter limiter, String key, long permits) {
        if (limiter != lastLimiter) {
            tryAcquire = (Function3<String, Long, Continuation<? super Decision>, Object>) SuspendRefs.tryAcquireRef(limiter);
            lastLimiter = limiter;
        }
        Object answer = tryAcquire.invoke(key, permits, this);
        if (answer == IntrinsicsKt.getCOROUTINE_SUSPENDED()) {
            answer = await();
        }
        return (Decision) answer;
    }

    /** Returns how many calls suspended instead of answering at once. */
    long suspensions() {
        return suspensions;
    }

    private Object await() {
        suspensions++;
        Object value;
        while ((value = result) == NOTHING) {
            LockSupport.park(this);
        }
        result = NOTHING;
        if (value instanceof kotlin.Result.Failure failure) {
            throw new IllegalStateException("tryAcquire failed", failure.exception);
        }
        return value;
    }

    @Override
    public CoroutineContext getContext() {
        return EmptyCoroutineContext.INSTANCE;
    }

    @Override
    public void resumeWith(Object value) {
        result = value;
        LockSupport.unpark(owner);
    }
}
