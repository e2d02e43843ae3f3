package dev.limiter.testing

import dev.limiter.LimitPolicy
import dev.limiter.Rate
import org.junit.jupiter.api.extension.AfterEachCallback
import org.junit.jupiter.api.extension.BeforeEachCallback
import org.junit.jupiter.api.extension.ExtensionConfigurationException
import org.junit.jupiter.api.extension.ExtensionContext
import org.junit.jupiter.api.extension.ParameterContext
import org.junit.jupiter.api.extension.ParameterResolver
import java.lang.reflect.AnnotatedElement
import java.lang.reflect.Method
import java.time.Instant
import java.time.format.DateTimeParseException

/**
 * Gives JUnit 5 tests a [TestRateLimiterFixture], fresh for each test, and injects it into
 * test and lifecycle method parameters of type [TestRateLimiterFixture].
 *
 * Registered on a field, one fixture serves the class and is reset before each test:
 * ```
 * @RegisterExtension
 * static final TestRateLimiterExtension limits =
 *     new TestRateLimiterExtension(LimitPolicy.tokenBucket(10, Rate.perSecond(10)));
 * ```
 * Declared with `@ExtendWith(TestRateLimiterExtension.class)`, each test gets a new fixture
 * for the [TestRateLimiterPolicy] on its method or class, closed after the test.
 * Lives apart from the fixture so that Kotest-only users never load JUnit classes.
 */
public class TestRateLimiterExtension : BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private val registered: TestRateLimiterFixture?

    /** Creates the extension for `@ExtendWith`: policies come from [TestRateLimiterPolicy]. */
    public constructor() {
        registered = null
    }

    /** Creates the extension around [fixture], which it resets before each test. */
    public constructor(fixture: TestRateLimiterFixture) {
        registered = fixture
    }

    /** Creates the extension around a new fixture for [policy] whose clock starts at [start]. */
    @JvmOverloads
    public constructor(policy: LimitPolicy, start: Instant = MockClock.DEFAULT_START) :
        this(TestRateLimiterFixture(policy, start))

    /**
     * The fixture of a registered extension.
     *
     * @throws IllegalStateException for an extension declared with `@ExtendWith`, whose fixture
     * is per test: take a [TestRateLimiterFixture] parameter instead.
     */
    public val fixture: TestRateLimiterFixture
        get() = registered ?: throw IllegalStateException(
            "a TestRateLimiterExtension declared with @ExtendWith has one fixture per test; " +
                "take a TestRateLimiterFixture parameter in the test method instead",
        )

    /** Resets the registered fixture, or creates the test's own. */
    override fun beforeEach(context: ExtensionContext) {
        if (registered != null) registered.reset() else fixtureFor(context)
    }

    /** Closes the test's own fixture; a registered one stays for the next test. */
    override fun afterEach(context: ExtensionContext) {
        if (registered == null) context.getStore(NAMESPACE).remove(KEY, TestRateLimiterFixture::class.java)?.close()
    }

    /** Supports parameters of type [TestRateLimiterFixture] of test and lifecycle methods. */
    override fun supportsParameter(parameterContext: ParameterContext, extensionContext: ExtensionContext): Boolean =
        parameterContext.parameter.type == TestRateLimiterFixture::class.java &&
            (registered != null || parameterContext.declaringExecutable is Method)

    /** Returns the fixture of the current test. */
    override fun resolveParameter(parameterContext: ParameterContext, extensionContext: ExtensionContext): Any =
        registered ?: fixtureFor(extensionContext)

    private fun fixtureFor(context: ExtensionContext): TestRateLimiterFixture =
        context.getStore(NAMESPACE).getOrComputeIfAbsent(KEY, { fixtureFrom(annotationOf(context)) }, TestRateLimiterFixture::class.java)

    private fun annotationOf(context: ExtensionContext): TestRateLimiterPolicy {
        val places = sequence<AnnotatedElement> {
            if (context.testMethod.isPresent) yield(context.testMethod.get())
            var type: Class<*>? = context.testClass.orElse(null)
            while (type != null) {
                yield(type)
                type = type.enclosingClass
            }
        }
        return places.firstNotNullOfOrNull { it.getAnnotation(TestRateLimiterPolicy::class.java) }
            ?: throw ExtensionConfigurationException(
                "TestRateLimiterExtension declared with @ExtendWith needs a policy for ${context.displayName}: " +
                    "annotate the test method or class with @TestRateLimiterPolicy(capacity = 10, rate = \"10/s\"), " +
                    "or register the extension on a field with @RegisterExtension new TestRateLimiterExtension(policy)",
            )
    }

    internal companion object {
        private val NAMESPACE = ExtensionContext.Namespace.create(TestRateLimiterExtension::class.java)
        private const val KEY = "fixture"

        /** Returns the fixture [policy] describes; errors name the annotation field at fault. */
        fun fixtureFrom(policy: TestRateLimiterPolicy): TestRateLimiterFixture {
            val algorithm = LimitPolicy.Algorithm.fromId(policy.algorithm) ?: throw ExtensionConfigurationException(
                "@TestRateLimiterPolicy algorithm '${policy.algorithm}' is not known; use one of " +
                    LimitPolicy.Algorithm.entries.joinToString { it.id },
            )
            val rate = configured("rate", policy.rate) { Rate.parse(policy.rate) }
            val limitPolicy = configured("capacity", policy.capacity) { LimitPolicy.of(algorithm, policy.capacity, rate) }
            val start = if (policy.start.isEmpty()) MockClock.DEFAULT_START else try {
                Instant.parse(policy.start)
            } catch (e: DateTimeParseException) {
                throw ExtensionConfigurationException(
                    "@TestRateLimiterPolicy start '${policy.start}' is not an ISO-8601 instant; " +
                        "write it like 2026-01-01T00:00:00Z, or leave it empty", e,
                )
            }
            return TestRateLimiterFixture(limitPolicy, start)
        }

        private fun <T> configured(field: String, value: Any, build: () -> T): T = try {
            build()
        } catch (e: IllegalArgumentException) {
            throw ExtensionConfigurationException("@TestRateLimiterPolicy $field '$value' is not valid: ${e.message}", e)
        }
    }
}
