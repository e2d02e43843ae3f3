package dev.limiter.config

/**
 * One problem in a limits config: where it is and how to fix it.
 *
 * [path] names the field, such as `policies.free.capacity` or `allowlist[2]`; [line] and
 * [column] are 1-based and point at the offending value (or at the map that lacks a required
 * field). [message] says what is wrong and what to write instead.
 */
public class ConfigError(
    /** The field, such as `policies.free.capacity`; empty for the document as a whole. */
    public val path: String,
    /** The 1-based line of the offending node. */
    public val line: Int,
    /** The 1-based column of the offending node. */
    public val column: Int,
    /** What is wrong and how to fix it, without the location. */
    public val message: String,
) {
    /**
     * Returns the error as one line for people, such as
     * `policies.free.capacity: must be greater than 0, was 0 (line 2, column 40)`.
     */
    public fun describe(): String {
        val where = "(line $line, column $column)"
        return if (path.isEmpty()) "$message $where" else "$path: $message $where"
    }

    override fun equals(other: Any?): Boolean = other is ConfigError && other.path == path &&
        other.line == line && other.column == column && other.message == message

    override fun hashCode(): Int = listOf(path, line, column, message).hashCode()

    /** Returns [describe]. */
    override fun toString(): String = describe()
}
