package dev.limiter.samples.kotlin

import java.io.ByteArrayOutputStream
import java.io.PrintStream

/** Runs [block] with `System.out` captured and returns the lines it printed. */
internal inline fun printedBy(block: () -> Unit): List<String> {
    val original = System.out
    val bytes = ByteArrayOutputStream()
    System.setOut(PrintStream(bytes, true, Charsets.UTF_8))
    try {
        block()
    } finally {
        System.setOut(original)
    }
    return bytes.toString(Charsets.UTF_8).lines().dropLastWhile { it.isEmpty() }
}
