package dev.limiter.ktor

import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import dev.limiter.BackendUnavailableException
import dev.limiter.config.ConfigStore
import dev.limiter.config.InMemoryConfigStore
import dev.limiter.config.PublishResult
import dev.limiter.config.VersionedConfig
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.client.request.put
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import kotlinx.coroutines.flow.Flow
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.slf4j.LoggerFactory

private const val TOKEN = "0123456789abcdef-admin"

private fun wide(capacity: Int) = "policies:\n  wide: { algorithm: token-bucket, capacity: $capacity, refill: 1/s }\ndefault-policy: wide\n"

/** A store that can be taken down, as Redis can. */
private class FlakyStore(val inner: ConfigStore = InMemoryConfigStore()) : ConfigStore by inner {
    @Volatile var down = false
    private fun check() { if (down) throw BackendUnavailableException("store down", null) }
    override suspend fun current(): VersionedConfig? { check(); return inner.current() }
    override suspend fun publish(yaml: String, expectedVersion: Long?, author: String?): PublishResult { check(); return inner.publish(yaml, expectedVersion, author) }
    override suspend fun history(limit: Int): List<VersionedConfig> { check(); return inner.history(limit) }
    override fun updates(): Flow<VersionedConfig> = inner.updates()
}

class ConfigAdminRoutesSpec : FunSpec({
    fun adminApp(store: ConfigStore? = null, block: suspend io.ktor.server.testing.ApplicationTestBuilder.() -> Unit) =
        limitedApp(configure = { configStore = store }, routes = { rateLimitAdmin(TOKEN) }, block = block)

    test("GET config answers the latest version's YAML with its version as ETag; the plugin's config is version 1") {
        adminApp {
            val response = client.get("/admin/limits/config") { bearerAuth(TOKEN) }
            response.status shouldBe HttpStatusCode.OK
            response.headers[HttpHeaders.ETag] shouldBe "\"1\""
            response.bodyAsText() shouldContain "small"
        }
    }

    test("PUT with the current ETag publishes the next version and this node enforces it when the answer comes") {
        adminApp {
            val put = client.put("/admin/limits/config") { bearerAuth(TOKEN); header(HttpHeaders.IfMatch, "\"1\""); setBody(wide(5)) }
            put.status shouldBe HttpStatusCode.OK
            put.headers[HttpHeaders.ETag] shouldBe "\"2\""
            Json.parseToJsonElement(put.bodyAsText()).jsonObject["status"]!!.jsonPrimitive.content shouldBe "applied"
            repeat(5) { client.hit("/hello", "k").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("PUT with a stale If-Match is refused with 412 naming the current version, and nothing changes") {
        adminApp {
            client.put("/admin/limits/config") { bearerAuth(TOKEN); header(HttpHeaders.IfMatch, "\"1\""); setBody(wide(5)) }
            val stale = client.put("/admin/limits/config") { bearerAuth(TOKEN); header(HttpHeaders.IfMatch, "\"1\""); setBody(wide(50)) }
            stale.status shouldBe HttpStatusCode.PreconditionFailed
            stale.headers[HttpHeaders.ETag] shouldBe "\"2\""
            Json.parseToJsonElement(stale.bodyAsText()).jsonObject["currentVersion"]!!.jsonPrimitive.long shouldBe 2
            client.get("/admin/limits/config") { bearerAuth(TOKEN) }.bodyAsText() shouldContain "capacity: 5"
        }
    }

    test("an invalid config is refused with 400 listing every error and no version is stored") {
        adminApp {
            val bad = "policies:\n  free: { algorithm: token-bucket, capacity: 0, refill: 10/s }\n  pro:  { algorithm: warp-drive, capacity: 5, refill: 1/s }\ndefault-policy: missing\n"
            val refused = client.put("/admin/limits/config") { bearerAuth(TOKEN); setBody(bad) }
            refused.status shouldBe HttpStatusCode.BadRequest
            refused.headers[HttpHeaders.ContentType]!! shouldContain "application/problem+json"
            Json.parseToJsonElement(refused.bodyAsText()).jsonObject["errors"]!!.jsonArray
                .map { it.jsonObject["path"]!!.jsonPrimitive.content }
                .shouldContainAll("policies.free.capacity", "policies.pro.algorithm", "default-policy")
            client.get("/admin/limits/config") { bearerAuth(TOKEN) }.headers[HttpHeaders.ETag] shouldBe "\"1\""
        }
    }

    test("history lists versions newest first and a rollback publishes an old version again, enforced at once") {
        adminApp {
            client.put("/admin/limits/config") { bearerAuth(TOKEN); header("X-Author", "ana"); setBody(wide(5)) }
            val history = Json.parseToJsonElement(client.get("/admin/limits/config/history") { bearerAuth(TOKEN) }.bodyAsText())
                .jsonObject["versions"]!!.jsonArray
            history shouldHaveSize 2
            history[0].jsonObject["version"]!!.jsonPrimitive.long shouldBe 2
            history[0].jsonObject["author"]!!.jsonPrimitive.content shouldBe "ana"
            val rollback = client.post("/admin/limits/config/rollback/1") { bearerAuth(TOKEN) }
            rollback.status shouldBe HttpStatusCode.OK
            rollback.headers[HttpHeaders.ETag] shouldBe "\"3\""
            repeat(3) { client.hit("/hello", "k").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests
            client.post("/admin/limits/config/rollback/42") { bearerAuth(TOKEN) }.status shouldBe HttpStatusCode.NotFound
        }
    }

    test("with the store down a publish answers 503 and the running config stays in force") {
        val store = FlakyStore()
        adminApp(store) {
            store.down = true
            client.put("/admin/limits/config") { bearerAuth(TOKEN); setBody(wide(5)) }.status shouldBe HttpStatusCode.ServiceUnavailable
            client.get("/admin/limits/config") { bearerAuth(TOKEN) }.status shouldBe HttpStatusCode.ServiceUnavailable
            repeat(3) { client.hit("/hello", "k").status shouldBe HttpStatusCode.OK }
            client.hit("/hello", "k").status shouldBe HttpStatusCode.TooManyRequests
        }
    }

    test("every publish logs one audit line with version and author, never the token or the YAML") {
        val logger = LoggerFactory.getLogger("dev.limiter.ktor.ConfigAudit") as Logger
        val appender = ListAppender<ILoggingEvent>().apply { start() }
        logger.addAppender(appender)
        try {
            adminApp {
                client.put("/admin/limits/config") { bearerAuth(TOKEN); header("X-Author", "ana"); setBody(wide(5)) }
                client.put("/admin/limits/config") { bearerAuth(TOKEN); header(HttpHeaders.IfMatch, "\"1\""); setBody(wide(6)) }
            }
            appender.list shouldHaveSize 1
            val line = appender.list.single().formattedMessage
            line shouldContain "version 2 by ana"
            line shouldNotContain TOKEN
            line shouldNotContain "token-bucket"
        } finally {
            logger.detachAppender(appender)
        }
    }
})
