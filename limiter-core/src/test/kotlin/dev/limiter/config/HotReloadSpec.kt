package dev.limiter.config

import dev.limiter.Decision
import dev.limiter.RateLimits
import dev.limiter.DenyReason
import dev.limiter.LocalBucketStore
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Configs A and B are built so that every outcome tells which config answered, and any mix of
 * the two (A's lists with B's policies, A's endpoints with B's default) gives an outcome that
 * neither config can give.
 */
class HotReloadSpec : FunSpec({
    test("under concurrent load no request sees a half-applied config") {
        val limits = RateLimits(CONFIG_A, LocalBucketStore(), MockClock())
        val impossible = ConcurrentLinkedQueue<String>()
        val seen = ConcurrentLinkedQueue<Char>()
        val done = AtomicBoolean(false)

        withContext(Dispatchers.Default) {
            val reloader = launch {
                var toB = true
                while (!done.get()) {
                    limits.update(if (toB) CONFIG_B else CONFIG_A)
                    toB = !toB
                    yield()
                }
            }
            // Each caller makes at least 2,000 checks and goes on until both configs have
            // answered, yielding now and then: on a loaded machine the reloader may otherwise
            // not run at all before 2,000 quick checks are over.
            val sawA = AtomicBoolean(false)
            val sawB = AtomicBoolean(false)
            val callers = List(4) { worker ->
                async {
                    var i = 0
                    while (i < 2_000 || !(sawA.get() && sawB.get())) {
                        val key = if ((i + worker) % 2 == 0) "switch" else "caller-$worker"
                        val decision = limits.check(key, endpoint = "GET /x")
                        val config = whichConfig(key, decision)
                        if (config == null) impossible += "$key -> $decision" else seen += config
                        if (config == 'A') sawA.set(true) else if (config == 'B') sawB.set(true)
                        if (++i % 64 == 0) yield()
                    }
                }
            }
            callers.awaitAll()
            done.set(true)
            reloader.join()
        }

        impossible.shouldBeEmpty()
        // Both configs really served requests, so the load overlapped the reloads.
        (seen.count { it == 'A' } > 0 && seen.count { it == 'B' } > 0) shouldBe true
    }
})

/** Returns 'A' or 'B' for the config that can give [decision] for [key], or `null` when neither can. */
private fun whichConfig(key: String, decision: Decision): Char? = when (key) {
    // A denies "switch", B allowlists it: a mix of A's allowlist with B's denylist limits it normally.
    "switch" -> when {
        decision.reason == DenyReason.DENYLISTED -> 'A'
        decision.allowed && decision.limit == Long.MAX_VALUE -> 'B'
        else -> null
    }
    // A sends GET /x to policy "endpoint" (limit 50); B has no endpoint, so the default (limit 200).
    // A's default with B's endpoints would give 100; B's endpoint-less default is 200, A's is 100.
    else -> when (decision.limit) {
        50L -> 'A'
        200L -> 'B'
        else -> null
    }
}

private val CONFIG_A = LimitsConfig.parse(
    """
    policies:
      plan: { algorithm: token-bucket, capacity: 100, refill: 100/s }
      endpoint: { algorithm: token-bucket, capacity: 50, refill: 50/s }
    default-policy: plan
    endpoints: { "GET /x": { cost: 1, policy: endpoint } }
    allowlist: [ "other" ]
    denylist: [ "switch" ]
    """.trimIndent(),
)

private val CONFIG_B = LimitsConfig.parse(
    """
    policies:
      plan: { algorithm: token-bucket, capacity: 200, refill: 200/s }
      endpoint: { algorithm: token-bucket, capacity: 50, refill: 50/s }
    default-policy: plan
    allowlist: [ "switch" ]
    denylist: [ "other" ]
    """.trimIndent(),
)
