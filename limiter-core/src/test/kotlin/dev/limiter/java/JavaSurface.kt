package dev.limiter.java

import java.io.File
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import kotlin.reflect.jvm.kotlinFunction

/**
 * Reads a module's compiled classes the way a Java caller sees them and lists what Java
 * should never see: suspend functions (a `Continuation` parameter), `kotlin.time` or value-class
 * parameters, mangled names (with `-`), and file facades named `*Kt`.
 *
 * Shipped in limiter-core's test-jar so every module runs the same check on its own classes.
 */
object JavaSurface {
    /** Returns one line per problem in the public classes under [classesDir]; exempt ones skipped. */
    fun problems(classesDir: File, exempt: Map<String, String>): List<String> {
        val loader = JavaSurface::class.java.classLoader
        return classesDir.walkTopDown()
            .filter { it.isFile && it.name.endsWith(".class") }
            .map { it.relativeTo(classesDir).path.removeSuffix(".class").replace(File.separatorChar, '.') }
            .filter { it.startsWith("dev.limiter.") && !it.contains(".internal.") && !it.contains(".internal") }
            .mapNotNull { runCatching { Class.forName(it, false, loader) }.getOrNull() }
            .filter { Modifier.isPublic(it.modifiers) && !it.isSynthetic && isPubliclyReachable(it) }
            .filter { !it.isAnonymousClass && !it.isLocalClass && !it.name.endsWith("\$DefaultImpls") && isKotlinPublic(it) }
            .flatMap { problemsOf(it, exempt) }
            .filter { problem -> exempt.keys.none { problem.startsWith(it) } }
            .sorted()
            .toList()
    }

    private fun isPubliclyReachable(type: Class<*>): Boolean {
        var c: Class<*>? = type
        while (c != null) {
            if (!Modifier.isPublic(c.modifiers)) return false
            c = c.enclosingClass
        }
        return true
    }

    /** Kotlin `internal` classes are public in bytecode; Java is not meant to use them. */
    private fun isKotlinPublic(type: Class<*>): Boolean {
        val metadata = type.getAnnotation(Metadata::class.java) ?: return true
        if (metadata.kind != 1) return true
        return runCatching { type.kotlin.visibility == kotlin.reflect.KVisibility.PUBLIC }.getOrDefault(true)
    }

    private fun problemsOf(type: Class<*>, exempt: Map<String, String>): List<String> {
        val out = mutableListOf<String>()
        val name = type.name
        if (type.simpleName.endsWith("Kt") && isFileFacade(type)) {
            out += "$name: file facade named *Kt; give the file @file:JvmName"
        }
        for (m in type.declaredMethods) {
            // Internal members are public in bytecode under a name with '$'.
            if (!Modifier.isPublic(m.modifiers) || m.isSynthetic || m.isBridge || '$' in m.name) continue
            if (overridesExempt(type, m, exempt) || !isKotlinPublic(m)) continue
            problemOf(m)?.let { out += "$name.${m.name}: $it" }
        }
        return out
    }

    /** Kotlin `internal` top-level functions are public static methods of the facade. */
    private fun isKotlinPublic(m: Method): Boolean = runCatching {
        val visibility = m.kotlinFunction?.visibility
        visibility == null || visibility == kotlin.reflect.KVisibility.PUBLIC
    }.getOrDefault(true)

    /** Store and config-store SPIs: Kotlin interfaces Java implements through an adapter instead. */
    val SPI_EXEMPT: Map<String, String> = listOf("tryConsume", "tryConsumeAll", "inspect", "reset").associate {
        "dev.limiter.BucketStore.$it" to "the Kotlin store SPI (and its implementations): Java implements " +
            "AsyncBucketStore and adapts it with BucketStore.fromAsync; Java callers use RateLimiter.create/builder"
    }

    /** A method implementing an exempt interface's method (a Kotlin SPI) is exempt with it. */
    private fun overridesExempt(type: Class<*>, m: Method, exempt: Map<String, String>): Boolean =
        allSupertypes(type).any { s ->
            exempt.keys.any { it == "${s.name}.${m.name}" } &&
                s.declaredMethods.any { it.name == m.name && it.parameterTypes.contentEquals(m.parameterTypes) }
        }

    private fun allSupertypes(type: Class<*>): Set<Class<*>> {
        val out = LinkedHashSet<Class<*>>()
        fun visit(c: Class<*>?) {
            if (c == null || !out.add(c)) return
            visit(c.superclass)
            c.interfaces.forEach(::visit)
        }
        type.superclass?.let(::visit)
        type.interfaces.forEach(::visit)
        return out
    }

    private fun isFileFacade(type: Class<*>): Boolean =
        type.getAnnotation(Metadata::class.java)?.kind == 2

    private fun problemOf(m: Method): String? {
        if ('-' in m.name) return "mangled name (value-class or kotlin.time parameter)"
        for (p in m.parameterTypes) {
            when {
                p.name == "kotlin.coroutines.Continuation" -> return "suspend function visible to Java; hide it with @JvmSynthetic and offer a blocking or CompletableFuture form"
                p.name.startsWith("kotlin.time.") -> return "kotlin.time parameter; take java.time.Duration"
                isValueClass(p) -> return "value-class parameter ${p.name}"
            }
        }
        return null
    }

    private fun isValueClass(p: Class<*>): Boolean =
        p.getAnnotation(JvmInline::class.java) != null
}
