package io.ringkv.compat.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.RingKvProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.lifecycle.Startables;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The Docker image as an operator runs it: built from {@code docker/Dockerfile} with the
 * repository as context, three containers on a private network started with the flags of
 * {@code docker/docker-compose.yml} (each found by the others under its service name), and
 * Jedis talking to each through its published client port. Ready means the image's own
 * HEALTHCHECK passes, so the health check is tested too.
 *
 * <p>Needs a Docker engine: where Testcontainers finds none (no DOCKER_HOST, no Docker socket),
 * {@code disabledWithoutDocker} reports every test as skipped ("disabledWithoutDocker is true
 * and Docker is not available") before anything is built or started. Finding out costs about a
 * second, once per test JVM.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerClusterIT {
    private static final int CLIENT_PORT = 6379;
    private static final String SEEDS = "n1@node1:6379,n2@node2:6379,n3@node3:6379";

    /**
     * The build context: exactly what the Dockerfile copies (all module POMs, because the parent
     * lists them; the sources of the modules in the jar; docker/). Listing the paths, rather than
     * sending the repository root, keeps target/, data/ and .git out of it, as .dockerignore does
     * for {@code docker build}.
     */
    private static final List<String> BUILD_CONTEXT = List.of(
            "pom.xml",
            "common/pom.xml", "common/src",
            "storage/pom.xml", "storage/src",
            "ring/pom.xml", "ring/src",
            "resp-server/pom.xml", "resp-server/src",
            "compat-tests/pom.xml",
            "docker");

    private static final List<GenericContainer<?>> nodes = new ArrayList<>();
    private static Network network;

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES) // a first build downloads Maven's dependencies
    static void startThreeNodeCluster() throws InterruptedException {
        ImageFromDockerfile image = image(RingKvProcess.home());
        network = Network.newNetwork();
        String clusterSecret = UUID.randomUUID().toString();
        for (int k = 1; k <= 3; k++) {
            GenericContainer<?> node = new GenericContainer<>(image)
                    .withNetwork(network)
                    .withNetworkAliases("node" + k)
                    .withCommand("--node-id", "n" + k, "--seeds", SEEDS, "--cluster-secret", clusterSecret)
                    .withExposedPorts(CLIENT_PORT)
                    .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger(DockerClusterIT.class)).withPrefix("node" + k))
                    .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(3)));
            nodes.add(node);
        }
        Startables.deepStart(nodes).join();
        awaitWritesAccepted(node(1), Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopCluster() {
        nodes.forEach(GenericContainer::stop);
        nodes.clear();
        if (network != null) {
            network.close();
        }
    }

    @Test
    @Timeout(60)
    void everyNodeAnswersPing() {
        for (int k = 1; k <= 3; k++) {
            try (Jedis jedis = connect(node(k))) {
                assertThat(jedis.ping()).as("PING to node%d", k).isEqualTo("PONG");
            }
        }
    }

    @Test
    @Timeout(60)
    void aKeyWrittenThroughNode1IsReadThroughNode3() {
        try (Jedis node1 = connect(node(1)); Jedis node3 = connect(node(3))) {
            assertThat(node1.set("docker:greeting", "hello from node1")).isEqualTo("OK");
            assertThat(node3.get("docker:greeting")).isEqualTo("hello from node1");
        }
    }

    /** N=3 with quorum writes and reads (W + R > N): every acknowledged write is read back anywhere. */
    @Test
    @Timeout(120)
    void thousandKeysWrittenThroughNode1ReadBackThroughNode2AndNode3() {
        int keys = 1000;
        try (Jedis node1 = connect(node(1)); Jedis node2 = connect(node(2)); Jedis node3 = connect(node(3))) {
            for (int i = 0; i < keys; i++) {
                assertThat(node1.set("docker:key:" + i, "value-" + i)).as("SET docker:key:%d via node1", i).isEqualTo("OK");
            }
            for (int i = 0; i < keys; i++) {
                assertThat(node2.get("docker:key:" + i)).as("GET docker:key:%d via node2", i).isEqualTo("value-" + i);
                assertThat(node3.get("docker:key:" + i)).as("GET docker:key:%d via node3", i).isEqualTo("value-" + i);
            }
        }
    }

    /**
     * The context is built from explicit paths with the Dockerfile named inside it.
     * {@code withDockerfile(Path)} is not used: it hands the context to docker-java, which then
     * sends the Dockerfile's own directory (docker/) instead of the files added here.
     */
    @SuppressWarnings("deprecation")
    private static ImageFromDockerfile image(Path root) {
        ImageFromDockerfile image = new ImageFromDockerfile("ringkv-it/" + UUID.randomUUID().toString().substring(0, 8), true);
        for (String path : BUILD_CONTEXT) {
            Path source = root.resolve(path);
            assertThat(Files.exists(source)).as("%s (ringkv.home = %s)", source, root).isTrue();
            image.withFileFromPath(path, source);
        }
        return image.withDockerfilePath("docker/Dockerfile");
    }

    private static GenericContainer<?> node(int k) {
        return nodes.get(k - 1);
    }

    private static Jedis connect(GenericContainer<?> node) {
        return new Jedis(node.getHost(), node.getMappedPort(CLIENT_PORT), 10_000);
    }

    /**
     * Healthy means each node answers PING; the first quorum write also needs the nodes to have
     * found each other by gossip. Retries a write until it is acknowledged.
     */
    private static void awaitWritesAccepted(GenericContainer<?> node, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        JedisException last = null;
        while (System.nanoTime() < deadline) {
            try (Jedis jedis = connect(node)) {
                if ("OK".equals(jedis.set("docker:probe", "ready"))) {
                    return;
                }
            } catch (JedisException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the cluster did not accept a write within " + limit + "; last error: " + last
                + "\nnode1 log:\n" + node.getLogs(), last);
    }
}
