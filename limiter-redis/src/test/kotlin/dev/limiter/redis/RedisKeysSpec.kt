package dev.limiter.redis

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import dev.limiter.redis.internal.RedisKeys
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldHaveMaxLength
import io.kotest.matchers.string.shouldMatch
import io.kotest.property.Arb
import io.kotest.property.arbitrary.string
import io.kotest.property.checkAll
import io.lettuce.core.cluster.SlotHash

/** Callers' keys can neither choose a slot, inject a separator nor collide with other keys. */
class RedisKeysSpec : FunSpec({
    val keys = RedisKeys("limiter")
    val policy = LimitPolicy.tokenBucket(40, Rate.perSecond(10))

    test("a plain key stays readable inside one hash tag") {
        keys.state(policy, "dev-42") shouldMatch Regex("""limiter:\{[A-Za-z0-9_-]{8}:dev-42}""")
    }

    test("braces, colons and other characters are escaped, so the hash tag is always the whole name") {
        for (key in listOf("}", "{x}", "a}:{b", "a:b", "%41", "ключ", " ")) {
            val name = keys.state(policy, key)
            name.count { it == '{' } shouldBe 1
            name.count { it == '}' } shouldBe 1
            name.substringAfter('{').substringBefore('}').count { it == ':' } shouldBe 1
        }
    }

    test("every key of a bucket lands in the slot of its state key") {
        checkAll(200, Arb.string(0..80)) { key ->
            val all = keys.all(policy, key)
            all.map { SlotHash.getSlot(it) }.toSet().size shouldBe 1
        }
    }

    test("different keys get different names, long ones hashed to a bounded length") {
        checkAll(500, Arb.string(0..100), Arb.string(0..100)) { a, b ->
            if (a != b) (keys.state(policy, a) == keys.state(policy, b)) shouldBe false
            keys.state(policy, a) shouldHaveMaxLength 8 + 2 + 8 + 1 + RedisKeys.MAX_ESCAPED + 1
        }
        keys.state(policy, "x".repeat(10_000)) shouldMatch Regex("""limiter:\{.{8}:#[A-Za-z0-9_-]{43}}""")
    }

    test("the same key under different policies gets different names") {
        (keys.state(policy, "k") == keys.state(LimitPolicy.tokenBucket(41, Rate.perSecond(10)), "k")) shouldBe false
    }
})
