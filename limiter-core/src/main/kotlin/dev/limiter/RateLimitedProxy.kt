@file:JvmName("RateLimitedProxies")

package dev.limiter

import java.lang.reflect.InvocationHandler
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import java.lang.reflect.Proxy
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

/**
 * Creates proxies that enforce [DefaultLimits] on an interface's methods.
 *
 * A call to a limited method takes one permit from that method's bucket, then reaches the
 * target; when no permit is left it throws [RateLimitExceededException] and the target is
 * not called. Suspend methods take their permit on the suspending path. Methods without a
 * limit, and `equals`, `hashCode` and `toString`, go straight to the target.
 *
 * Each method has its own bucket. Proxies of the same interface over the same store share
 * their buckets (how a Redis store enforces the limits across nodes); the default store is a
 * new in-memory one per proxy.
 */
public object RateLimitedProxy {
    /**
     * Returns a proxy implementing [iface] that limits calls to [target] as [iface]'s
     * [DefaultLimits] annotations say, keeping buckets in [store] and reading time from [clock].
     *
     * @throws IllegalArgumentException when [iface] is not an interface, or an annotation has
     * a bad `calls` or `period` (the message names the method).
     */
    @JvmStatic
    @JvmOverloads
    public fun <T : Any> create(
        iface: Class<T>,
        target: T,
        store: BucketStore = LocalBucketStore(),
        clock: LimiterClock = LimiterClock.SYSTEM,
    ): T {
        require(iface.isInterface) { "iface must be an interface to proxy, was class ${iface.name}; extract an interface" }
        val limits = HashMap<Method, MethodLimit>()
        val limiters = HashMap<LimitPolicy, RateLimiter>()
        for (method in iface.methods) {
            val annotation = method.getAnnotation(DefaultLimits::class.java)
                ?: method.declaringClass.getAnnotation(DefaultLimits::class.java)
                ?: iface.getAnnotation(DefaultLimits::class.java)
                ?: continue
            val policy = try {
                annotation.policy()
            } catch (e: IllegalArgumentException) {
                throw IllegalArgumentException("${iface.name}.${method.name}: ${e.message}", e)
            }
            val limiter = limiters.getOrPut(policy) { RateLimiter(policy, store, clock) }
            val key = "${iface.name}#${method.name}(${method.parameterTypes.joinToString(",") { it.name }})"
            limits[method] = MethodLimit(limiter, key)
        }
        val handler = LimitingHandler(target, limits)
        return iface.cast(Proxy.newProxyInstance(iface.classLoader, arrayOf(iface), handler))
    }

    private class MethodLimit(val limiter: RateLimiter, val key: String) {
        val blocking: BlockingRateLimiter = limiter.asBlocking()
    }

    private class LimitingHandler(private val target: Any, private val limits: Map<Method, MethodLimit>) : InvocationHandler {
        override fun invoke(proxy: Any, method: Method, args: Array<Any?>?): Any? {
            val arguments = args ?: emptyArray()
            if (method.declaringClass == Any::class.java) return objectMethod(proxy, method, arguments)
            val limit = limits[method] ?: return call(method, arguments)
            if (method.parameterTypes.lastOrNull() == Continuation::class.java) {
                @Suppress("UNCHECKED_CAST")
                val continuation = arguments.last() as Continuation<Any?>
                val limited: suspend () -> Any? = {
                    val decision = limit.limiter.tryAcquire(limit.key, 1)
                    if (!decision.allowed) throw RateLimitExceededException(decision)
                    suspendCoroutineUninterceptedOrReturn { resumeWith ->
                        call(method, arguments.copyOf().also { it[it.size - 1] = resumeWith })
                    }
                }
                return limited.startCoroutineUninterceptedOrReturn(continuation)
            }
            val decision = limit.blocking.tryAcquire(limit.key, 1)
            if (!decision.allowed) throw RateLimitExceededException(decision)
            return call(method, arguments)
        }

        private fun call(method: Method, arguments: Array<Any?>): Any? = try {
            method.invoke(target, *arguments)
        } catch (e: InvocationTargetException) {
            throw e.targetException
        }

        private fun objectMethod(proxy: Any, method: Method, arguments: Array<Any?>): Any? = when (method.name) {
            "equals" -> proxy === arguments[0]
            "hashCode" -> System.identityHashCode(proxy)
            "toString" -> "RateLimitedProxy($target)"
            else -> call(method, arguments)
        }
    }
}

/**
 * Returns a proxy implementing [T] that limits calls to [target] as [T]'s [DefaultLimits]
 * annotations say; see [RateLimitedProxy.create].
 */
public inline fun <reified T : Any> rateLimited(
    target: T,
    store: BucketStore = LocalBucketStore(),
    clock: LimiterClock = LimiterClock.SYSTEM,
): T = RateLimitedProxy.create(T::class.java, target, store, clock)
