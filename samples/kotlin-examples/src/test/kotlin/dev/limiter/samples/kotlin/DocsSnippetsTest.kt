package dev.limiter.samples.kotlin

import dev.limiter.samples.kotlin.snippets.Snippets
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import java.nio.file.Files

/**
 * Every code block the docs mark `<!-- snippet:NAME -->` is the compiled source region of that
 * name, so a guide cannot show code that does not build or no longer says what the code does.
 */
class DocsSnippetsTest : FunSpec({
    val root = repositoryRoot()
    val snippets = Snippets(root)

    test("every snippet in the docs names a region of a compiled source, and shows it as it is") {
        snippets.docSnippets.size shouldBeGreaterThan 0
        snippets.check().shouldBeEmpty()
    }

    test("the guides this module owns show their code through snippets") {
        val names = snippets.docSnippets.map { snippets.relative(it.file) to it.name }.toSet()
        names shouldContainAll listOf(
            "docs/getting-started.md" to "getting-started-kotlin",
            "docs/getting-started.md" to "getting-started-java",
            "README.md" to "readme-kotlin",
            "README.md" to "readme-java",
        )
    }

    test("every Kotlin and Java block in the docs is a compiled snippet or marked <!-- not-compiled: REASON -->") {
        snippets.unmarkedCodeBlocks().shouldBeEmpty()
    }

    test("a Kotlin or Java block with neither marker is reported; marked ones and other languages are not") {
        val scratch = Files.createTempDirectory("snippets")
        try {
            Files.createDirectories(scratch.resolve("docs"))
            Files.writeString(
                scratch.resolve("docs/guide.md"),
                "```kotlin\nval a = 1\n```\n\n<!-- not-compiled: a fragment -->\n```java\nint b;\n```\n\n" +
                    "<!-- snippet:c -->\n```kotlin\nval c = 1\n```\n\n```sh\nls\n```\n\n<!-- not-compiled: -->\n```java\nint d;\n```\n",
            )
            val unmarked = Snippets(scratch).unmarkedCodeBlocks()
            unmarked.size shouldBe 2
            unmarked[0] shouldStartWith "docs/guide.md:1: a kotlin block that is neither compiled nor marked"
            unmarked[1] shouldStartWith "docs/guide.md:20: a java block"
        } finally {
            scratch.toFile().deleteRecursively()
        }
    }

    test("a snippet that names a missing region or differs from its source is reported") {
        val scratch = Files.createTempDirectory("snippets")
        try {
            Files.createDirectories(scratch.resolve("docs"))
            Files.createDirectories(scratch.resolve("src"))
            Files.writeString(scratch.resolve("src/A.kt"), "fun a() {\n    // snippet:a\n    val x = 1\n    // end-snippet\n}\n")
            Files.writeString(
                scratch.resolve("docs/guide.md"),
                "<!-- snippet:a -->\n```kotlin\nval x = 2\n```\n\n<!-- snippet:b -->\n```kotlin\nval y = 1\n```\n",
            )
            val problems = Snippets(scratch).check()
            problems.size shouldBe 2
            problems[0] shouldStartWith "docs/guide.md:1: snippet 'a' differs from src/A.kt:2"
            problems[1] shouldStartWith "docs/guide.md:6: snippet 'b' names no region"
        } finally {
            scratch.toFile().deleteRecursively()
        }
    }
})
