package dev.limiter.config.internal

import com.charleskorn.kaml.DuplicateKeyException
import com.charleskorn.kaml.EmptyYamlDocumentException
import com.charleskorn.kaml.ForbiddenAnchorOrAliasException
import com.charleskorn.kaml.YamlException
import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlPathSegment
import com.charleskorn.kaml.YamlScalar
import dev.limiter.LimitPolicy
import dev.limiter.config.ConfigError
import dev.limiter.config.EndpointLimit
import dev.limiter.config.LimitsConfig

/** The outcome of reading a config: the config when valid, every error otherwise. */
internal class ReadResult(val config: LimitsConfig?, val errors: List<ConfigError>)

/**
 * Reads a limits config from YAML by walking kaml's node tree by hand, so that every problem
 * is reported at once, each at the line and column of its node.
 */
internal object LimitsConfigReader {
    private val SECTIONS = listOf("policies", "default-policy", "keys", "endpoints", "allowlist", "denylist", "global", "levels", "adaptive")

    fun read(yaml: String): ReadResult {
        val parseErrors = ErrorCollector()
        val tree = YamlTree.parse(yaml, parseErrors, ::describe) ?: return ReadResult(null, parseErrors.sorted())
        val errors = ErrorCollector()
        val config = Document(tree.root.untagged(), errors).read()
        errors.sorted().forEach { parseErrors.add(tree.original(it)) }
        return ReadResult(config.takeIf { parseErrors.isEmpty }, parseErrors.sorted())
    }

    /** The same meaning checks for a config built in code; messages without locations. */
    fun checkModel(config: LimitsConfig): List<String> {
        val problems = ArrayList<String>()
        val names = config.policies.keys
        if (names.isEmpty()) problems += "policies must define at least one policy"
        names.mapNotNullTo(problems) { ConfigRules.policyName(it) }
        ConfigRules.policyReference(config.defaultPolicy, names)?.let { problems += "defaultPolicy: $it" }
        for ((key, name) in config.keys) ConfigRules.policyReference(name, names)?.let { problems += "keys[$key]: $it" }
        val callers = ConfigRules.callerPolicies(config.defaultPolicy, config.keys)
        for ((endpoint, limit) in config.endpoints) {
            Endpoints.problem(endpoint)?.let { problems += it }
            val sources = limit.policy?.let { mapOf(it to "the endpoint's policy") } ?: callers
            for ((name, how) in sources) {
                val policy = config.policies[name]
                if (policy == null) ConfigRules.policyReference(name, names)?.let { problems += "endpoints[$endpoint]: $it" }
                else ConfigRules.cost(limit.cost, name, policy, how)?.let { problems += "endpoints[$endpoint]: $it" }
            }
            config.global?.let { ConfigRules.cost(limit.cost, "global", it, "the global ceiling") }
                ?.let { problems += "endpoints[$endpoint]: $it" }
        }
        (config.allowlist + config.denylist).mapNotNullTo(problems) { ConfigRules.listEntry(it) }
        config.levels.forEachIndexed { i, level ->
            val policy = config.policies[level.policy]
            if (policy == null) ConfigRules.policyReference(level.policy, names)?.let { problems += "levels[$i]: $it" }
            else LevelRules.cost(level, policy, config.endpoints)?.let { problems += "levels[$i]: $it" }
            level.endpoint?.let { e -> Endpoints.problem(e)?.let { problems += "levels[$i]: $it" } }
        }
        config.adaptive?.let { problems += AdaptiveReader.checkModel(it, names) }
        return problems
    }

    private fun describe(e: YamlException): ConfigError {
        val path = pathOf(e.path.segments)
        return when (e) {
            is EmptyYamlDocumentException -> ConfigError("", 1, 1, "the config is empty; it needs at least 'policies' and 'default-policy'")
            is ForbiddenAnchorOrAliasException -> ConfigError(path, e.line, e.column, "YAML anchors and aliases are not supported; write the value out in full")
            is DuplicateKeyException -> ConfigError(pathOf(e.duplicatePath.segments), e.line, e.column, "duplicate key")
            else -> ConfigError(path, e.line, e.column, "invalid YAML: " + syntaxMessage(e.message))
        }
    }

    /**
     * Turns the parser's message (a context, the problem, each with a code snippet) into one
     * line: `expected ',' or '}', but got : (while parsing a flow mapping that starts at line 2, column 9)`.
     */
    private fun syntaxMessage(message: String): String {
        val lines = message.lines()
        val texts = lines.filter { it.isNotBlank() && !it.startsWith(" at line") && !it.startsWith("    ") }.map { it.trim().removeSuffix(".") }
        val places = lines.filter { it.startsWith(" at line") }.map { it.trim().removePrefix("at ").removeSuffix(":") }
        if (texts.size < 2 || places.isEmpty()) return texts.firstOrNull() ?: message.trim()
        return "${texts.last()} (${texts.first()} that starts at ${places.first()})"
    }

    private fun pathOf(segments: List<YamlPathSegment>): String = segments.fold("") { path, segment ->
        when (segment) {
            is YamlPathSegment.MapElementKey -> Paths.child(path, segment.key)
            is YamlPathSegment.ListEntry -> Paths.index(path, segment.index)
            else -> path
        }
    }

    /** One walk over one document; reports into [errors] and returns the config when whole. */
    private class Document(private val root: YamlNode, private val errors: ErrorCollector) {
        private val policyReader = PolicyReader(errors)

        fun read(): LimitsConfig? {
            if (root !is YamlMap) {
                errors.at("", root, "the config must be a map with 'policies' and 'default-policy', was ${root.kind()}")
                return null
            }
            for (key in root.entries.keys) {
                if (key.content !in SECTIONS) {
                    errors.at(key.content, key, "unknown field '${key.content}'${Suggestions.didYouMean(key.content, SECTIONS)}; " +
                        "expected ${SECTIONS.joinToString(", ")}")
                }
            }
            val policiesNode = section("policies")
            val policies = policiesNode?.let { readPolicies(it) }
            if (policiesNode == null) errors.at("policies", root, "missing field 'policies'; add at least one policy, " +
                "such as 'policies: { free: { algorithm: token-bucket, capacity: 40, refill: 10/s } }'")
            val names = policies?.keys ?: emptySet()
            val defaultPolicy = section("default-policy")?.let { readReference("default-policy", it, policies) }
            if (section("default-policy") == null) errors.at("default-policy", root,
                "missing field 'default-policy'; add the policy for keys without an assignment, such as 'default-policy: ${names.firstOrNull() ?: "free"}'")
            val keys = section("keys")?.let { readKeys(it, policies) } ?: emptyMap()
            val global = section("global")?.let { policyReader.read("global", it)?.named("global") }
            val endpoints = section("endpoints")?.let { readEndpoints(it, policies, defaultPolicy, keys, global) } ?: emptyMap()
            val allowlist = section("allowlist")?.let { readList("allowlist", it) } ?: emptyList()
            val denylist = section("denylist")?.let { readList("denylist", it) } ?: emptyList()
            val levels = section("levels")?.let { LevelReader(errors, ::readReference).read(it, policies, endpoints) } ?: emptyList()
            crossCheckLists(allowlist, denylist)
            val adaptive = section("adaptive")?.let { AdaptiveReader(errors).read(it, policies) }
            if (!errors.isEmpty || policies == null || defaultPolicy == null) return null
            return try {
                LimitsConfig(policies, defaultPolicy, keys, endpoints, allowlist.map { it.value.content.trim() }, denylist.map { it.value.content.trim() }, global, levels, adaptive)
            } catch (e: IllegalArgumentException) {
                // The walk above checks everything the constructor does; this keeps validate from ever throwing.
                errors.at("", root, e.message ?: "invalid limits config")
                null
            }
        }

        private fun section(name: String): YamlNode? = (root as YamlMap).entries.entries.firstOrNull { it.key.content == name }?.value

        private inline fun <reified T : YamlNode> expect(path: String, node: YamlNode, what: String): T? {
            val inner = node.untagged()
            if (inner is T) return inner
            errors.at(path, node, "must be $what, was ${node.kind()}")
            return null
        }

        private fun readPolicies(node: YamlNode): Map<String, LimitPolicy>? {
            val map = expect<YamlMap>("policies", node, "a map of policies by name") ?: return null
            if (map.entries.isEmpty()) errors.at("policies", node, "must define at least one policy, such as " +
                "'free: { algorithm: token-bucket, capacity: 40, refill: 10/s }'")
            val policies = LinkedHashMap<String, LimitPolicy>()
            var complete = true
            for ((key, value) in map.entries) {
                val path = Paths.child("policies", key.content)
                ConfigRules.policyName(key.content)?.let { errors.at(path, key, it) }
                val policy = policyReader.read(path, value)
                if (policy == null) complete = false else policies[key.content] = policy.named(key.content)
            }
            // Names of broken policies still count as defined, so references to them are not reported twice.
            return if (complete) policies else policies.also { broken -> map.entries.keys.forEach { broken.putIfAbsent(it.content, PLACEHOLDER) } }
        }

        private fun readReference(path: String, node: YamlNode, policies: Map<String, LimitPolicy>?): String? {
            val scalar = expect<YamlScalar>(path, node, "the name of a policy") ?: return null
            val name = scalar.content.trim()
            if (policies == null) return name
            ConfigRules.policyReference(name, policies.keys)?.let { errors.at(path, node, it); return null }
            return name
        }

        private fun readKeys(node: YamlNode, policies: Map<String, LimitPolicy>?): Map<String, String> {
            val map = expect<YamlMap>("keys", node, "a map from API key to policy name, such as { dev-42: pro }") ?: return emptyMap()
            val keys = LinkedHashMap<String, String>()
            for ((key, value) in map.entries) {
                val path = Paths.child("keys", key.content)
                if (key.content.isBlank()) errors.at(path, key, "an API key must not be empty")
                readReference(path, value, policies)?.let { keys[key.content] = it }
            }
            return keys
        }

        private fun readEndpoints(
            node: YamlNode,
            policies: Map<String, LimitPolicy>?,
            defaultPolicy: String?,
            keys: Map<String, String>,
            global: LimitPolicy?,
        ): Map<String, EndpointLimit> {
            val map = expect<YamlMap>("endpoints", node, "a map such as { \"POST /reports\": { cost: 10, policy: reports } }") ?: return emptyMap()
            val endpoints = LinkedHashMap<String, EndpointLimit>()
            val seen = HashMap<String, YamlScalar>()
            for ((key, value) in map.entries) {
                val path = Paths.child("endpoints", key.content)
                Endpoints.problem(key.content)?.let { errors.at(path, key, it) }
                val normalized = Endpoints.normalize(key.content)
                seen[normalized]?.let { first ->
                    errors.at(path, key, "endpoint '${key.content}' is the same as '${first.content}' at line ${first.location.line}, " +
                        "column ${first.location.column}; keep only one of them")
                }
                seen.putIfAbsent(normalized, key)
                val limit = EndpointReader(errors, ::readReference).read(path, value, policies) ?: continue
                val sources = when {
                    limit.policy != null -> mapOf(limit.policy to "the endpoint's policy")
                    defaultPolicy != null -> ConfigRules.callerPolicies(defaultPolicy, keys)
                    else -> emptyMap()
                }
                val costNode = (value.untagged() as YamlMap).getKey("cost")?.let { (value.untagged() as YamlMap).entries[it] } ?: value
                for ((name, how) in sources) {
                    val policy = policies?.get(name)?.takeIf { it !== PLACEHOLDER } ?: continue
                    ConfigRules.cost(limit.cost, name, policy, how)?.let { errors.at(Paths.child(path, "cost"), costNode, it) }
                }
                global?.let { ConfigRules.cost(limit.cost, "global", it, "the global ceiling") }
                    ?.let { errors.at(Paths.child(path, "cost"), costNode, it) }
                endpoints[key.content] = limit
            }
            return endpoints
        }

        /** Returns each valid, first-seen entry with its index in the list. */
        private fun readList(path: String, node: YamlNode): List<IndexedValue<YamlScalar>> {
            val list = expect<YamlList>(path, node, "a list of API keys, IP addresses and CIDR ranges, such as [ admin-key, 10.0.0.0/8 ]")
                ?: return emptyList()
            val entries = ArrayList<IndexedValue<YamlScalar>>()
            val seen = HashMap<String, YamlScalar>()
            list.items.forEachIndexed { index, item ->
                val itemPath = Paths.index(path, index)
                val scalar = expect<YamlScalar>(itemPath, item, "an API key, an IP address or a CIDR range") ?: return@forEachIndexed
                val entry = scalar.content.trim()
                ConfigRules.listEntry(entry)?.let { errors.at(itemPath, item, it); return@forEachIndexed }
                val first = seen.putIfAbsent(entry, scalar)
                if (first != null) {
                    errors.at(itemPath, item, "duplicate entry '$entry', first listed at line ${first.location.line}, " +
                        "column ${first.location.column}; remove one of them")
                } else {
                    entries += IndexedValue(index, scalar)
                }
            }
            return entries
        }

        private fun crossCheckLists(allowlist: List<IndexedValue<YamlScalar>>, denylist: List<IndexedValue<YamlScalar>>) {
            val allowed = allowlist.associate { it.value.content.trim() to it.value }
            for ((index, entry) in denylist) {
                val other = allowed[entry.content.trim()] ?: continue
                errors.at(Paths.index("denylist", index), entry, "'${entry.content}' is also on the allowlist at line " +
                    "${other.location.line}, column ${other.location.column}; remove it from one of the two lists")
            }
        }
    }

    /** Stands in for a policy whose entry has errors, so that its name still resolves. */
    private val PLACEHOLDER: LimitPolicy = LimitPolicy.tokenBucket(1, dev.limiter.Rate.perSecond(1))
}
