package dev.limiter.portal

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/** The deepest nesting of arrays and objects a request body may have, unless configured. */
const val DEFAULT_MAX_JSON_DEPTH: Int = 16

/** A body that is not JSON this service reads; [message] names the place and the fix. */
class JsonInputException(message: String) : IllegalArgumentException(message)

/**
 * Reads [text] (RFC 8259 JSON) into a tree, refusing nesting deeper than [maxDepth] and objects
 * that repeat a member name.
 *
 * kotlinx's reader recurses once per level without a bound, so `[` × 100,000 ended in a
 * `StackOverflowError`, and it keeps the last of two equal members, so `{"key":"a","key":"b"}`
 * meant whichever a proxy or a second parser did not pick. This reader stops at [maxDepth]
 * before the stack can matter and reports a duplicate by name.
 *
 * @throws JsonInputException naming the offset and what was expected.
 */
fun readJson(text: String, maxDepth: Int = DEFAULT_MAX_JSON_DEPTH): JsonElement = BoundedJsonReader(text, maxDepth).document()

private class BoundedJsonReader(private val text: String, private val maxDepth: Int) {
    private var at = 0

    fun document(): JsonElement {
        val value = value(0)
        skipSpace()
        if (at != text.length) fail("unexpected '${text[at]}' after the JSON value")
        return value
    }

    private fun value(depth: Int): JsonElement {
        skipSpace()
        if (at >= text.length) fail("the body ends where a value was expected")
        return when (val c = text[at]) {
            '{' -> obj(depth + 1)
            '[' -> array(depth + 1)
            '"' -> JsonPrimitive(string())
            't' -> literal("true", JsonPrimitive(true))
            'f' -> literal("false", JsonPrimitive(false))
            'n' -> literal("null", JsonNull)
            else -> if (c == '-' || c in '0'..'9') number() else fail("unexpected '$c' where a value was expected")
        }
    }

    private fun obj(depth: Int): JsonObject {
        enter(depth)
        val members = LinkedHashMap<String, JsonElement>()
        skipSpace()
        if (peek() == '}') { at++; return JsonObject(members) }
        while (true) {
            skipSpace()
            if (peek() != '"') fail("expected a member name in double quotes")
            val nameAt = at
            val name = string()
            skipSpace()
            expect(':')
            val value = value(depth)
            if (members.put(name, value) != null) {
                throw JsonInputException("body: member \"$name\" appears twice (second at offset $nameAt); send each field once")
            }
            skipSpace()
            when (peek()) {
                ',' -> at++
                '}' -> { at++; return JsonObject(members) }
                else -> fail("expected ',' or '}' in an object")
            }
        }
    }

    private fun array(depth: Int): JsonArray {
        enter(depth)
        val items = ArrayList<JsonElement>()
        skipSpace()
        if (peek() == ']') { at++; return JsonArray(items) }
        while (true) {
            items += value(depth)
            skipSpace()
            when (peek()) {
                ',' -> at++
                ']' -> { at++; return JsonArray(items) }
                else -> fail("expected ',' or ']' in an array")
            }
        }
    }

    private fun enter(depth: Int) {
        if (depth > maxDepth) {
            throw JsonInputException("body: nested deeper than $maxDepth levels at offset $at; a check request is one flat object")
        }
        at++
    }

    private fun string(): String {
        at++ // opening quote
        val out = StringBuilder()
        while (true) {
            if (at >= text.length) fail("a string is not closed")
            when (val c = text[at++]) {
                '"' -> return out.toString()
                '\\' -> out.append(escape())
                else -> if (c < ' ') fail("a control character must be escaped in a string") else out.append(c)
            }
        }
    }

    private fun escape(): Char {
        if (at >= text.length) fail("a string is not closed")
        return when (val c = text[at++]) {
            '"', '\\', '/' -> c
            'b' -> '\b'
            'f' -> '\u000C'
            'n' -> '\n'
            'r' -> '\r'
            't' -> '\t'
            'u' -> {
                if (at + 4 > text.length) fail("a \\u escape needs four hex digits")
                val hex = text.substring(at, at + 4)
                at += 4
                if (hex.all { h -> h in '0'..'9' || h in 'a'..'f' || h in 'A'..'F' }) hex.toInt(16).toChar() else fail("'\\u$hex' is not a \\u escape")
            }
            else -> fail("'\\$c' is not an escape; use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX")
        }
    }

    private fun number(): JsonPrimitive {
        val start = at
        if (peek() == '-') at++
        if (peek() == '0') at++ else digits("a number needs a digit")
        if (peek() == '.') { at++; digits("a fraction needs a digit after '.'") }
        if (peek() == 'e' || peek() == 'E') {
            at++
            if (peek() == '+' || peek() == '-') at++
            digits("an exponent needs a digit")
        }
        val literal = text.substring(start, at)
        return literal.toLongOrNull()?.let(::JsonPrimitive) ?: JsonPrimitive(literal.toDouble())
    }

    private fun digits(missing: String) {
        val start = at
        while (peek() in '0'..'9') at++
        if (at == start) fail(missing)
    }

    private fun literal(word: String, value: JsonElement): JsonElement {
        if (!text.startsWith(word, at)) fail("unexpected '${text[at]}' where a value was expected")
        at += word.length
        return value
    }

    private fun expect(c: Char) {
        if (peek() != c) fail("expected '$c'")
        at++
    }

    private fun peek(): Char = if (at < text.length) text[at] else '\u0000'

    private fun skipSpace() {
        while (at < text.length && text[at].let { it == ' ' || it == '\t' || it == '\n' || it == '\r' }) at++
    }

    private fun fail(what: String): Nothing =
        throw JsonInputException("body: not valid JSON ($what at offset $at); send e.g. {\"key\":\"user_123\",\"policy\":\"free\"}")
}
