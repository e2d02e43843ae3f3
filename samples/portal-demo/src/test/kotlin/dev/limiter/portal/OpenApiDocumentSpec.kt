package dev.limiter.portal

import com.charleskorn.kaml.Yaml
import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlScalar
import dev.limiter.LocalBucketStore
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.swagger.v3.parser.OpenAPIV3Parser
import io.swagger.v3.parser.core.models.ParseOptions
import io.ktor.server.application.Application
import io.ktor.server.application.plugin
import io.ktor.server.routing.HttpMethodRouteSelector
import io.ktor.server.routing.PathSegmentConstantRouteSelector
import io.ktor.server.routing.PathSegmentParameterRouteSelector
import io.ktor.server.routing.RoutingNode
import io.ktor.server.routing.RoutingRoot
import io.ktor.server.testing.testApplication
import java.nio.file.Files
import java.nio.file.Path

/** docs/openapi.yaml is valid OpenAPI 3 and describes exactly the routes the portal serves. */
class OpenApiDocumentSpec : FunSpec({

    val document = Yaml.default.parseToYamlNode(Files.readString(Path.of("../../docs/openapi.yaml"))) as YamlMap

    fun documented(): Set<String> = (document.get<YamlMap>("paths")!!).entries.flatMap { (path, item) ->
        (item as YamlMap).entries.keys.map { method -> "${method.content.uppercase()} ${path.content}" }
    }.toSet()

    fun served(): Set<String> {
        lateinit var app: Application
        var leaves: List<RoutingNode> = emptyList()
        fun RoutingNode.leaves(): List<RoutingNode> = (if (hasHandler()) listOf(this) else emptyList()) + children.flatMap { it.leaves() }
        testApplication {
            application { app = this; portal(PortalSettings(adminToken = ADMIN_TOKEN), LocalBucketStore()) }
            startApplication()
            leaves = app.plugin(RoutingRoot).leaves()
        }
        return leaves.mapNotNull { leaf ->
            var method: String? = null
            val segments = ArrayList<String>()
            var node: RoutingNode? = leaf
            while (node != null) {
                when (val s = node.selector) {
                    is HttpMethodRouteSelector -> method = s.method.value
                    is PathSegmentConstantRouteSelector -> segments.add(0, s.value)
                    is PathSegmentParameterRouteSelector -> segments.add(0, "{${s.name}}")
                    else -> Unit
                }
                node = node.parent
            }
            method?.let { "$it /" + segments.joinToString("/") }
        }.toSet()
    }

    test("every documented operation is served and every route the portal serves is documented") {
        documented() shouldBe served()
    }

    test("swagger-parser reads the document without a single message") {
        val options = ParseOptions().apply { isResolve = true; isResolveFully = true; isValidateInternalRefs = true }
        val result = OpenAPIV3Parser().readContents(Files.readString(Path.of("../../docs/openapi.yaml")), null, options)
        result.messages.orEmpty().shouldBeEmpty()
        result.openAPI.paths.keys shouldBe documented().map { it.substringAfter(' ') }.toSet()
    }

    test("swagger-parser reports a description split at its comma, as the old document had") {
        val broken = Files.readString(Path.of("../../docs/openapi.yaml"))
            .replace("description: \"Whole seconds, rounded up.\" }", "description: Whole seconds, rounded up. }")
        OpenAPIV3Parser().readContents(broken, null, ParseOptions()).messages.orEmpty().joinToString() shouldContain "rounded up."
    }

    test("every public operation says it needs no security, every other one names its scheme") {
        val parsed = OpenAPIV3Parser().readContents(Files.readString(Path.of("../../docs/openapi.yaml")), null, ParseOptions()).openAPI
        val unsecured = parsed.paths.flatMap { (path, item) -> item.readOperationsMap().filter { it.value.security == null }.map { "${it.key} $path" } }
        unsecured.shouldBeEmpty()
    }

    test("every \$ref in the document resolves") {
        fun refs(node: YamlNode): List<String> = when (node) {
            is YamlMap -> node.entries.flatMap { (k, v) -> if (k.content == "\$ref") listOf((v as YamlScalar).content) else refs(v) }
            is YamlList -> node.items.flatMap { refs(it) }
            else -> emptyList()
        }
        val unresolved = refs(document).filterNot { ref ->
            ref.removePrefix("#/").split('/').fold(document as YamlNode?) { at, part -> (at as? YamlMap)?.get<YamlNode>(part) } != null
        }
        unresolved.shouldBeEmpty()
    }

    test("the document is OpenAPI 3 with the check request's fields as the service reads them") {
        (document.get<YamlScalar>("openapi")!!.content.startsWith("3.")) shouldBe true
        val inline = document.get<YamlMap>("components")!!.get<YamlMap>("schemas")!!.get<YamlMap>("InlineCheck")!!
        inline.get<YamlMap>("properties")!!.entries.keys.map { it.content }.toSet() shouldBe
            setOf("key", "algorithm", "limit", "window", "permits")
        inline.get<YamlMap>("properties")!!.get<YamlMap>("algorithm")!!.get<YamlList>("enum")!!.items
            .map { (it as YamlScalar).content } shouldBe dev.limiter.LimitPolicy.Algorithm.entries.map { it.id }
    }
})
