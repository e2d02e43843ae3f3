package dev.limiter.samples.kotlin

import java.nio.file.Files
import java.nio.file.Path

/**
 * Returns the repository root: the working directory when Maven runs from the root (as
 * `exec:java` does), else two levels up (a test's working directory is its module).
 */
fun repositoryRoot(): Path {
    val here = Path.of("").toAbsolutePath()
    val root = listOf(here, here.resolve("../..")).map { it.normalize() }.firstOrNull {
        Files.isDirectory(it.resolve("docs")) && Files.isDirectory(it.resolve("samples")) && Files.exists(it.resolve("pom.xml"))
    }
    return checkNotNull(root) {
        "cannot find the repository root (with pom.xml, docs/ and samples/) at $here or two levels above; " +
            "run from the root or from samples/kotlin-examples"
    }
}
