package dev.limiter.portal.fuzz

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import dev.limiter.config.LimitsConfig
import dev.limiter.portal.Checked
import dev.limiter.portal.JsonInputException
import dev.limiter.portal.PortalSettings
import dev.limiter.portal.readCheckRequest
import dev.limiter.portal.readJson
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject

/**
 * Fuzzes what anyone may send to `POST /v1/check`: the JSON reader only answers a tree no
 * deeper than its limit or throws [JsonInputException]; the request reader never throws, and
 * every problem it reports names a field.
 */
class CheckRequestFuzzTest {
    private val limits: LimitsConfig = LimitsConfig.parse(PortalSettings.bundledLimits())

    @FuzzTest(maxDuration = "10s")
    fun readJsonBody(data: FuzzedDataProvider) {
        val depth = data.consumeInt(1, 8)
        val text = data.consumeRemainingAsString()
        val tree = try {
            readJson(text, depth)
        } catch (e: JsonInputException) {
            check(e.message!!.startsWith("body: ")) { "message without its field: ${e.message}" }
            return
        }
        check(depthOf(tree) <= depth) { "'$text' read deeper than $depth" }
    }

    @FuzzTest(maxDuration = "10s")
    fun checkRequest(data: FuzzedDataProvider) {
        val text = data.consumeRemainingAsString()
        when (val read = readCheckRequest(text, limits)) {
            is Checked.Invalid -> read.errors.forEach { error ->
                val named = Regex("^(body|key|policy|permits|algorithm|limit|window): ").containsMatchIn(error) ||
                    (": unknown field; " in error && error.substringBefore(": unknown field; ").length <= 65)
                check(named) { "error without a field, or echoing a long one: ${error.take(200)}" }
            }
            is Checked.Valid -> check(read.request.key.isNotEmpty() && read.request.permits in 1..read.request.policy.capacity) { "accepted '$text'" }
        }
    }

    private fun depthOf(e: JsonElement): Int = when (e) {
        is JsonObject -> 1 + (e.values.maxOfOrNull(::depthOf) ?: 0)
        is JsonArray -> 1 + (e.maxOfOrNull(::depthOf) ?: 0)
        else -> 0
    }
}
