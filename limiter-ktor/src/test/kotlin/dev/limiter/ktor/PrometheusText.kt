package dev.limiter.ktor

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: throws on any
 * line that a Prometheus server would refuse.
 *
 * Checks metric and label names, label value escaping, sample values, and that each family's
 * `# TYPE` comes once and before its samples.
 */
object PrometheusText {
    data class Sample(val name: String, val labels: Map<String, String>, val value: Double)

    private val NAME = Regex("[a-zA-Z_:][a-zA-Z0-9_:]*")
    private val LABEL = Regex("[a-zA-Z_][a-zA-Z0-9_]*")
    private val TYPES = setOf("counter", "gauge", "histogram", "summary", "untyped")
    private val SUFFIXES = listOf("_total", "_count", "_sum", "_bucket", "_max", "_created", "")

    fun parse(text: String): List<Sample> {
        val typed = HashMap<String, String>()
        val seenSamples = HashSet<String>()
        val samples = ArrayList<Sample>()
        text.lines().forEachIndexed { index, line ->
            val at = "line ${index + 1}: '$line'"
            when {
                line.isBlank() -> Unit
                line.startsWith("# TYPE ") -> {
                    val parts = line.removePrefix("# TYPE ").split(" ")
                    require(parts.size == 2 && NAME.matches(parts[0]) && parts[1] in TYPES) { "bad TYPE, $at" }
                    require(parts[0] !in typed) { "second TYPE for ${parts[0]}, $at" }
                    require(SUFFIXES.none { parts[0] + it in seenSamples }) { "TYPE after samples of ${parts[0]}, $at" }
                    typed[parts[0]] = parts[1]
                }
                line.startsWith("# HELP ") -> require(NAME.matches(line.removePrefix("# HELP ").substringBefore(' '))) { "bad HELP, $at" }
                line.startsWith("#") -> Unit
                else -> samples += sample(line, at).also { seenSamples += it.name }
            }
        }
        return samples
    }

    private fun sample(line: String, at: String): Sample {
        val nameEnd = line.indexOfFirst { it == '{' || it == ' ' }
        require(nameEnd > 0) { "no value, $at" }
        val name = line.substring(0, nameEnd)
        require(NAME.matches(name)) { "bad metric name, $at" }
        val labels = LinkedHashMap<String, String>()
        var i = nameEnd
        if (line[i] == '{') {
            i++
            while (line[i] != '}') {
                val eq = line.indexOf('=', i)
                require(eq > i) { "bad label, $at" }
                val label = line.substring(i, eq)
                require(LABEL.matches(label)) { "bad label name '$label', $at" }
                require(line.getOrNull(eq + 1) == '"') { "unquoted label value, $at" }
                val value = StringBuilder()
                var j = eq + 2
                while (true) {
                    require(j < line.length) { "unterminated label value, $at" }
                    val c = line[j]
                    if (c == '"') break
                    if (c == '\\') {
                        value.append(when (line.getOrNull(j + 1)) { 'n' -> '\n'; '\\' -> '\\'; '"' -> '"'; else -> error("bad escape, $at") })
                        j += 2
                    } else { value.append(c); j++ }
                }
                labels[label] = value.toString()
                i = j + 1
                require(i < line.length) { "unterminated labels, $at" }
                if (line[i] == ',') i++
            }
            i++
        }
        val rest = line.substring(i).trim().split(" ")
        require(line.getOrNull(i) == ' ' && rest.size in 1..2) { "bad value, $at" }
        val value = when (rest[0]) {
            "+Inf" -> Double.POSITIVE_INFINITY
            "-Inf" -> Double.NEGATIVE_INFINITY
            "NaN" -> Double.NaN
            else -> requireNotNull(rest[0].toDoubleOrNull()) { "bad value, $at" }
        }
        if (rest.size == 2) requireNotNull(rest[1].toLongOrNull()) { "bad timestamp, $at" }
        return Sample(name, labels, value)
    }
}
