package dev.limiter.redis

import dev.limiter.BucketStoreContract
import java.time.Duration

/** The time the contract's requests are made at. */
private const val CONTRACT_T0 = 1_767_225_600_100_000L

/** TTL slack that keeps Redis from expiring anything while a contract test runs. */
private val SLACK: Duration = Duration.ofHours(1)

/**
 * [RedisBucketStore] passes the store contract against a real Redis, on the limiter's clock.
 *
 * The contract's "forget idle" hook cannot wait out TTLs, since the mock time it names is not
 * Redis's time. Instead keys are written with an hour of TTL slack and the hook deletes each
 * key whose remaining TTL has run out by the mock time given, exactly as Redis would have
 * expired it: a TTL longer than the bucket's time to rest keeps the key and fails the test.
 * Real expiry, in real time, is proven in `KeyMemorySpec` ("12,000 keys that go idle...").
 */
class RedisBucketStoreSpec : BucketStoreContract(
    newStore = { SharedRedis.clientTimeStore(SharedRedis.isolatedOptions().withTtlSlack(SLACK)) },
    forgetIdle = { store, now ->
        val prefix = (store as RedisBucketStore).options.keyPrefix
        val elapsedMillis = (now - CONTRACT_T0) / 1_000
        for (key in SharedRedis.keys(SharedRedis.sync, prefix)) {
            val left = SharedRedis.sync.pttl(key)
            if (left >= 0 && left <= elapsedMillis + SLACK.toMillis()) SharedRedis.sync.del(key)
        }
    },
    bucketCount = { store ->
        val prefix = (store as RedisBucketStore).options.keyPrefix
        SharedRedis.keys(SharedRedis.sync, prefix, "$prefix:{*}").size.toLong()
    },
)
