package dev.limiter.portal

import dev.limiter.BucketStore
import dev.limiter.FaultToleranceMode
import dev.limiter.FaultToleranceSettings
import dev.limiter.FaultTolerantBucketStore
import dev.limiter.LimitPolicy
import dev.limiter.LocalBucketStore
import dev.limiter.testing.MockClock
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.delete
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.http.contentType
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.boolean
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import java.time.Duration

private suspend fun HttpResponse.json(): JsonObject = Json.parseToJsonElement(bodyAsText()).jsonObject

private suspend fun PortalServer.check(body: String): HttpResponse = client.post("$base/v1/check") {
    contentType(ContentType.Application.Json)
    setBody(body)
}

private suspend fun PortalServer.errorsOf(body: String): List<String> {
    val response = check(body)
    response.status shouldBe HttpStatusCode.BadRequest
    response.headers["Content-Type"] shouldStartWith "application/problem+json"
    return response.json()["errors"]!!.jsonArray.map { it.jsonPrimitive.content }
}

/** A shared store that can be taken down: while [down], every decision fails as a lost connection would. */
private class SwitchableStore(private val inner: LocalBucketStore = LocalBucketStore()) : BucketStore by inner {
    @Volatile var down = false

    override suspend fun tryConsume(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long) =
        if (down) throw java.io.IOException("connection refused") else inner.tryConsume(key, policy, permits, nowMicros)

    // The engine decides every request through tryConsumeAll: a store that is down fails it too.
    override suspend fun tryConsumeAll(requests: List<dev.limiter.BucketRequest>, nowMicros: Long) =
        if (down) throw java.io.IOException("connection refused") else inner.tryConsumeAll(requests, nowMicros)

    override fun tryConsumeNow(key: String, policy: LimitPolicy, permits: Long, nowMicros: Long) =
        if (down) null else inner.tryConsumeNow(key, policy, permits, nowMicros)

    override fun tryConsumeAllNow(requests: List<dev.limiter.BucketRequest>, nowMicros: Long) =
        if (down) null else inner.tryConsumeAllNow(requests, nowMicros)
}

class LimiterServiceSpec : FunSpec({
    timeout = 60_000

    test("POST /v1/check answers 200 with the numbers while allowed, then 429 with Retry-After and the same headers") {
        val clock = MockClock()
        withPortal(clock = clock) {
            val first = check("""{"key":"user_123","policy":"free","permits":39}""")
            first.status shouldBe HttpStatusCode.OK
            first.json().let {
                it["allowed"]!!.jsonPrimitive.boolean shouldBe true
                it["remaining"]!!.jsonPrimitive.long shouldBe 1
                it["limit"]!!.jsonPrimitive.long shouldBe 40
                it["retryAfterSeconds"]!!.jsonPrimitive.long shouldBe 0
                it["resetAfterSeconds"]!!.jsonPrimitive.long shouldBe 4
            }
            first.headers["RateLimit"] shouldBe "\"free\";r=1;t=4"
            check("""{"key":"user_123","policy":"free"}""").status shouldBe HttpStatusCode.OK
            val refused = check("""{"key":"user_123","policy":"free","permits":5}""")
            refused.status shouldBe HttpStatusCode.TooManyRequests
            refused.headers["Retry-After"] shouldBe "1"
            refused.json()["retryAfterSeconds"]!!.jsonPrimitive.long shouldBe 1
            refused.headers["X-RateLimit-Remaining"] shouldBe "0"
        }
    }

    test("an inline policy limits the key by its own numbers") {
        withPortal(clock = MockClock()) {
            val inline = """{"key":"k","algorithm":"fixed-window","limit":2,"window":"60s"}"""
            repeat(2) { check(inline).status shouldBe HttpStatusCode.OK }
            val refused = check(inline)
            refused.status shouldBe HttpStatusCode.TooManyRequests
            refused.json()["limit"]!!.jsonPrimitive.long shouldBe 2
        }
    }

    test("GET /v1/status gives the same numbers without consuming") {
        withPortal(clock = MockClock()) {
            check("""{"key":"user_9","policy":"free","permits":10}""")
            repeat(2) {
                val status = client.get("$base/v1/status/user_9?policy=free")
                status.status shouldBe HttpStatusCode.OK
                status.json()["remaining"]!!.jsonPrimitive.long shouldBe 30
                status.headers["RateLimit"] shouldBe "\"free\";r=30;t=1"
            }
        }
    }

    test("DELETE /v1/reset needs the admin token and refills the key") {
        withPortal(clock = MockClock()) {
            check("""{"key":"user_5","policy":"free","permits":40}""")
            client.delete("$base/v1/reset/user_5?policy=free").status shouldBe HttpStatusCode.Unauthorized
            client.delete("$base/v1/reset/user_5?policy=free") { bearerAuth("wrong-token") }.status shouldBe HttpStatusCode.Forbidden
            client.delete("$base/v1/reset/user_5?policy=free") { bearerAuth(ADMIN_TOKEN) }.status shouldBe HttpStatusCode.NoContent
            client.get("$base/v1/status/user_5?policy=free").json()["remaining"]!!.jsonPrimitive.long shouldBe 40
        }
    }

    test("GET /health reports the backend: primary while the shared store answers, fallback once it fails") {
        val clock = MockClock()
        val shared = SwitchableStore()
        val tolerant = FaultTolerantBucketStore(
            shared, FaultToleranceMode.LOCAL, FaultToleranceSettings().withFailuresBeforeOpening(1), clock,
        )
        withPortal(tolerant, clock) {
            client.get("$base/health").json()["backend"]!!.jsonPrimitive.content shouldBe "primary"
            shared.down = true
            check("""{"key":"user_9","policy":"free"}""").status shouldBe HttpStatusCode.OK
            client.get("$base/health").json()["backend"]!!.jsonPrimitive.content shouldBe "fallback"
        }
    }

    test("an unknown policy is a 400 naming the configured ones") {
        withPortal {
            errorsOf("""{"key":"k","policy":"gold"}""") shouldBe
                listOf("policy: unknown policy 'gold'; configured policies are [free, pro, reports]")
            client.get("$base/v1/status/k?policy=gold").status shouldBe HttpStatusCode.BadRequest
        }
    }

    test("an unknown algorithm is a 400 listing the known ones") {
        withPortal {
            errorsOf("""{"key":"k","algorithm":"warp","limit":10,"window":"1s"}""").single() shouldContain
                "algorithm: unknown algorithm 'warp'; use one of [token-bucket, leaky-bucket"
        }
    }

    test("negative permits are a 400") {
        withPortal { errorsOf("""{"key":"k","policy":"free","permits":-3}""") shouldBe listOf("permits: must be at least 1, was -3") }
    }

    test("permits beyond the policy's limit are a 400, since they could never be granted") {
        withPortal { errorsOf("""{"key":"k","policy":"free","permits":41}""").single() shouldContain "can never be granted" }
    }

    test("an oversized key is a 400 on every route") {
        withPortal {
            val long = "k".repeat(MAX_KEY_LENGTH + 1)
            errorsOf("""{"key":"$long","policy":"free"}""").single() shouldContain "key: must be at most 256 characters, was 257"
            client.get("$base/v1/status/$long?policy=free").status shouldBe HttpStatusCode.BadRequest
        }
    }

    test("malformed JSON, a non-object body and wrong types are 400s that say what to send") {
        withPortal {
            errorsOf("""{"key": "k", "policy": """).single() shouldStartWith "body: not valid JSON"
            errorsOf("""[1,2]""").single() shouldStartWith "body: must be a JSON object"
            errorsOf("""{"key":7,"policy":"free","permits":"two"}""") shouldContainExactlyInAnyOrder listOf(
                "key: must be a string, was 7",
                "permits: must be a whole number, was \"two\"",
            )
        }
    }

    test("every problem is reported at once, unknown fields included") {
        withPortal {
            errorsOf("""{"policy":"free","permits":0,"colour":"red"}""") shouldContainExactlyInAnyOrder listOf(
                "colour: unknown field; known fields are [algorithm, key, limit, permits, policy, window]",
                "key: required; send the caller's key, e.g. \"user_123\"",
                "permits: must be at least 1, was 0",
            )
        }
    }

    test("a policy name and an inline policy together are a 400") {
        withPortal {
            errorsOf("""{"key":"k","policy":"free","algorithm":"gcra","limit":5,"window":"1s"}""").single() shouldContain "not both"
        }
    }

    test("/v1 and the portal's routes spend one quota per key, and the admin routes see it") {
        val clock = MockClock()
        withPortal(clock = clock) {
            check("""{"key":"dev-1","policy":"free","permits":40}""").status shouldBe HttpStatusCode.OK
            client.get("$base/resource") { header("X-API-Key", "dev-1") }.status shouldBe HttpStatusCode.TooManyRequests
            val view = client.get("$base/admin/limits/keys/dev-1") { bearerAuth(ADMIN_TOKEN) }.json()
            view["remaining"]!!.jsonPrimitive.long shouldBe 0
            client.get("$base/v1/status/dev-1").json()["remaining"]!!.jsonPrimitive.long shouldBe 0
            client.delete("$base/admin/limits/keys/dev-1") { bearerAuth(ADMIN_TOKEN) }.status shouldBe HttpStatusCode.NoContent
            client.get("$base/resource") { header("X-API-Key", "dev-1") }.status shouldBe HttpStatusCode.OK
        }
    }
})
