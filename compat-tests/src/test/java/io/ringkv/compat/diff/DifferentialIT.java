package io.ringkv.compat.diff;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RedisServerProcess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The differential suite: every block of every corpus file in {@code diff/} is sent over raw
 * sockets to a real redis-server and to an in-process RingKV node, and the replies must be
 * identical byte for byte, except where the corpus marks an intended difference. One dynamic
 * test per block; a failure lists each differing command with both replies escaped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class DifferentialIT {
    /** The suite must stay a real regression net: a corpus shrunk by accident fails. */
    private static final int CORPUS_COMMANDS_MIN = 300;

    /** One redis-server and one RingKV node started with the same password (empty: none). */
    private record ServerPair(RedisServerProcess redis, InProcessNode ringkv, DifferentialRunner runner) {}

    /** Server pairs by required password, started when a corpus file first needs one. */
    private final Map<String, ServerPair> servers = new HashMap<>();

    @BeforeAll
    void requireRedis() {
        assumeTrue(RedisServerProcess.available(), "redis-server is not installed");
    }

    private synchronized DifferentialRunner runnerFor(String requirePass) throws Exception {
        ServerPair p = servers.get(requirePass);
        if (p == null) {
            RedisServerProcess redis = requirePass.isEmpty() ? RedisServerProcess.start()
                    : RedisServerProcess.start("--requirepass", requirePass);
            InProcessNode ringkv;
            try {
                ringkv = requirePass.isEmpty() ? InProcessNode.start() : InProcessNode.start(Map.of("requirepass", requirePass));
            } catch (RuntimeException | InterruptedException e) {
                redis.close();
                throw e;
            }
            p = new ServerPair(redis, ringkv, new DifferentialRunner(redis.port(), ringkv.port()));
            servers.put(requirePass, p);
        }
        return p.runner();
    }

    @AfterAll
    void stopServers() {
        for (ServerPair p : servers.values()) {
            try {
                p.ringkv().close();
            } finally {
                p.redis().close();
            }
        }
        servers.clear();
    }

    static Path corpusDir() throws URISyntaxException {
        return Corpus.directory();
    }

    static List<Path> corpusFiles() throws IOException, URISyntaxException {
        return Corpus.files();
    }

    @TestFactory
    Stream<DynamicNode> corpus() throws IOException, URISyntaxException {
        List<DynamicNode> files = new ArrayList<>();
        for (Path f : corpusFiles()) {
            Corpus.File file = Corpus.loadFile(f);
            List<DynamicNode> blocks = new ArrayList<>();
            for (Corpus.Block b : file.blocks()) {
                blocks.add(DynamicTest.dynamicTest(b.name() + " (" + b.file() + ":" + b.line() + ")",
                        () -> runBlock(runnerFor(file.requirePass()), b)));
            }
            files.add(DynamicContainer.dynamicContainer(file.name()
                    + (file.requirePass().isEmpty() ? "" : " (requirepass)"), blocks));
        }
        return files.stream();
    }

    private void runBlock(DifferentialRunner runner, Corpus.Block block) throws Exception {
        DifferentialRunner.Outcome o = runner.run(block);
        for (String d : o.differences()) {
            System.out.println("intended difference at " + d);
        }
        if (!o.mismatches().isEmpty()) {
            fail(o.mismatches().size() + " of " + o.commands() + " replies differ in block '" + block.name() + "':\n\n"
                    + String.join("\n\n", o.mismatches()));
        }
    }

    @Test
    void corpusIsLargeAndEveryIntendedDifferenceIsDocumented() throws Exception {
        int commands = 0;
        Set<IntendedDifference> used = EnumSet.noneOf(IntendedDifference.class);
        for (Path f : corpusFiles()) {
            for (Corpus.Block b : Corpus.load(f)) {
                commands += b.commandCount();
                for (Corpus.Step s : b.steps()) {
                    if (s.difference() != null) {
                        used.add(s.difference());
                    }
                }
            }
        }
        System.out.println("differential corpus: " + commands + " commands in " + corpusFiles().size() + " files");
        assertTrue(commands >= CORPUS_COMMANDS_MIN, "corpus has only " + commands + " commands");
        String doc = Files.readString(corpusDir().resolve("INTENDED_DIFFERENCES.md"), StandardCharsets.UTF_8);
        for (IntendedDifference d : IntendedDifference.values()) {
            assertTrue(doc.contains("`" + d.id() + "`"), "INTENDED_DIFFERENCES.md does not document `" + d.id() + "`");
        }
    }
}
