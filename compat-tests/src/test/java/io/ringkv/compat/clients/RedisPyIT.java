package io.ringkv.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RedisServerProcess;
import io.ringkv.compat.harness.RingKvProcess;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@code src/test/python/redispy_smoke.py} with Debian's python3-redis (the system
 * {@code /usr/bin/python3}, not whatever python is first on the PATH). Skipped when that
 * python or its redis module is missing; CI installs python3-redis.
 */
@Timeout(120)
class RedisPyIT {
    private static final String PYTHON = "/usr/bin/python3";

    private static Path script() {
        return RingKvProcess.home().resolve("compat-tests/src/test/python/redispy_smoke.py");
    }

    @BeforeAll
    static void requirePython() throws Exception {
        assumeTrue(new File(PYTHON).canExecute(), PYTHON + " is not installed");
        Result r = run(List.of(PYTHON, "-c", "import redis"));
        assumeTrue(r.exitCode == 0, "python3-redis is not installed for " + PYTHON + ": " + r.output);
    }

    @Test
    void smokeSuitePasses() throws Exception {
        try (InProcessNode node = InProcessNode.start()) {
            Result r = run(List.of(PYTHON, script().toString(), Integer.toString(node.port())));
            assertThat(r.exitCode).as(r.output).isZero();
            assertThat(r.output).contains("smoke test passed");
        }
    }

    @Test
    void authenticationErrorsAsRedisPySeesThem() throws Exception {
        try (InProcessNode node = InProcessNode.start(Map.of("requirepass", "py-pass"))) {
            Result r = run(List.of(PYTHON, script().toString(), Integer.toString(node.port()), "py-pass"));
            assertThat(r.exitCode).as(r.output).isZero();
        }
    }

    /** The script itself is checked against a real redis-server, so it asserts Redis's behaviour. */
    @Test
    void smokeSuitePassesAgainstRealRedis() throws Exception {
        assumeTrue(RedisServerProcess.available(), "redis-server is not installed");
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Result r = run(List.of(PYTHON, script().toString(), Integer.toString(redis.port())));
            assertThat(r.exitCode).as(r.output).isZero();
        }
        try (RedisServerProcess redis = RedisServerProcess.start("--requirepass", "py-pass")) {
            Result r = run(List.of(PYTHON, script().toString(), Integer.toString(redis.port()), "py-pass"));
            assertThat(r.exitCode).as(r.output).isZero();
        }
    }

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        Process p = pb.start();
        byte[] out;
        try {
            // The smoke suite finishes in seconds; the bound only stops a hung run.
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out: " + new String(p.getInputStream().readNBytes(p.getInputStream().available()), StandardCharsets.UTF_8));
            }
            out = p.getInputStream().readAllBytes();
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
