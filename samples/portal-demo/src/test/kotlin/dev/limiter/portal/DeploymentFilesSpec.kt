package dev.limiter.portal

import com.charleskorn.kaml.Yaml
import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlScalar
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.ktor.client.request.get
import io.ktor.http.HttpStatusCode
import java.nio.file.Files
import java.nio.file.Path

/**
 * The deployment files under `deploy/`, held against what the portal really reads: the
 * environment variables of [PortalSettings.fromEnvironment], its port, and the paths the
 * running service answers. No container engine runs here, so this is what checks them.
 */
class DeploymentFilesSpec : FunSpec({
    val deploy = generateSequence(Path.of("").toAbsolutePath()) { it.parent }.map { it.resolve("deploy") }
        .first { Files.isDirectory(it) }

    fun documents(file: String): List<YamlMap> = Files.readString(deploy.resolve(file)).split(Regex("(?m)^---\\s*$"))
        .filter { it.lines().any { line -> line.isNotBlank() && !line.trimStart().startsWith("#") } }
        .map { Yaml.default.parseToYamlNode(it) as YamlMap }

    fun YamlNode.at(vararg path: String): YamlNode = path.fold(this) { node, key ->
        (node as YamlMap).get<YamlNode>(key) ?: error("no '$key' in ${node.path.toHumanReadableString()} of deploy files")
    }
    fun YamlNode.text(): String = (this as YamlScalar).content
    fun YamlNode.list(): List<YamlNode> = (this as YamlList).items
    fun YamlNode.entries(): Map<String, YamlNode> = (this as YamlMap).entries.mapKeys { it.key.content }

    val portalDeployment = documents("k8s/portal.yaml").first { it.at("kind").text() == "Deployment" }
    val podSpec = portalDeployment.at("spec", "template", "spec")
    val container = podSpec.at("containers").list().single()

    test("the Kubernetes portal runs three nodes on the port the app listens on, with only variables it reads") {
        portalDeployment.at("spec", "replicas").text() shouldBe "3"
        val port = container.at("ports").list().single().at("containerPort").text().toInt()
        port shouldBe PortalSettings.DEFAULT_PORT
        val env = container.at("env").list().associate { it.at("name").text() to it }
        PortalSettings.ENVIRONMENT.shouldContainAll(env.keys)
        env.getValue(PortalSettings.PORT).at("value").text().toInt() shouldBe port
        env.getValue(PortalSettings.REDIS_URL).at("value").text() shouldStartWith "redis-sentinel://"
        env.getValue(PortalSettings.ADMIN_TOKEN).at("valueFrom", "secretKeyRef", "name").text() shouldBe "limiter-admin"
    }

    test("probes, drain and Prometheus scraping point at the port and paths the service answers") {
        val port = PortalSettings.DEFAULT_PORT.toString()
        for (probe in listOf("readinessProbe", "livenessProbe")) {
            container.at(probe, "httpGet", "path").text() shouldBe "/health"
            container.at(probe, "httpGet", "port").text() shouldBe port
        }
        val preStop = container.at("lifecycle", "preStop", "exec", "command").list().map { it.text() }
        val sleep = preStop.last().toInt()
        podSpec.at("terminationGracePeriodSeconds").text().toInt() shouldBeGreaterThan sleep + 2
        val annotations = portalDeployment.at("spec", "template", "metadata", "annotations").entries().mapValues { it.value.text() }
        annotations["prometheus.io/scrape"] shouldBe "true"
        annotations["prometheus.io/port"] shouldBe port
        annotations["prometheus.io/path"] shouldBe "/metrics"
        val scrape = documents("prometheus.yml").single().at("scrape_configs").list().single()
        scrape.at("metrics_path").text() shouldBe "/metrics"
        scrape.at("static_configs").list().single().at("targets").list().map { it.text() }
            .forEach { it.substringAfter(':') shouldBe port }

        // The paths the files name are the ones a running portal answers.
        withPortal {
            for (path in listOf(container.at("readinessProbe", "httpGet", "path").text(), annotations.getValue("prometheus.io/path"))) {
                client.get("$base$path").status shouldBe HttpStatusCode.OK
            }
        }
    }

    test("the Sentinel the portal is pointed at watches the master named in REDIS_URL") {
        val redisUrl = container.at("env").list().first { it.at("name").text() == PortalSettings.REDIS_URL }.at("value").text()
        val sentinelHost = redisUrl.removePrefix("redis-sentinel://").substringBefore(':')
        val master = redisUrl.substringAfter('#')
        val redisDocs = documents("k8s/redis.yaml")
        redisDocs.filter { it.at("kind").text() == "Service" }.map { it.at("metadata", "name").text() }.shouldContainAll(sentinelHost, "limiter-redis")
        val sentinel = redisDocs.first { it.at("kind").text() == "Deployment" }.at("spec", "template", "spec", "containers").list().single()
        sentinel.at("args").list().single().text() shouldContain "sentinel monitor $master "
    }

    test("compose runs three portal nodes, Redis and Sentinel, with the variables, port and health path the app uses") {
        val services = documents("compose.yaml").single().at("services").entries()
        val portals = services.filterKeys { it.startsWith("portal-") }
        portals.keys shouldHaveSize 3
        services.keys.shouldContainAll("redis", "sentinel", "prometheus")
        for ((_, portal) in portals) {
            val env = portal.at("environment").entries().mapValues { it.value.text() }
            PortalSettings.ENVIRONMENT.shouldContainAll(env.keys)
            env.getValue(PortalSettings.PORT).toInt() shouldBe PortalSettings.DEFAULT_PORT
            env.getValue(PortalSettings.ADMIN_TOKEN) shouldStartWith "\${ADMIN_TOKEN:?"
            env.getValue(PortalSettings.REDIS_URL) shouldContain "#mymaster"
            portal.at("ports").list().single().text().substringAfter(':').toInt() shouldBe PortalSettings.DEFAULT_PORT
            portal.at("healthcheck", "test").list().last().text() shouldBe "http://localhost:${PortalSettings.DEFAULT_PORT}/health"
        }
        services.getValue("sentinel").at("command").list().single().text() shouldContain "sentinel monitor mymaster redis 6379"
    }

    test("the Dockerfile exposes the app's port and starts the portal's main class") {
        val dockerfile = Files.readString(deploy.resolve("Dockerfile"))
        dockerfile shouldContain "EXPOSE ${PortalSettings.DEFAULT_PORT}\n"
        dockerfile shouldContain "ENV ${PortalSettings.PORT}=${PortalSettings.DEFAULT_PORT}\n"
        val main = Regex("\"([a-z.]+\\.[A-Za-z]+Kt)\"]").find(dockerfile)!!.groupValues[1]
        Class.forName(main).getMethod("main").let { it.name shouldBe "main" }
    }
})
