package io.ringkv.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.Bytes;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.StorageIterator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments while a child JVM writes with fsync=always: after every kill the
 * engine opens cleanly, every acknowledged write is there and no batch is half visible.
 * Iterations: {@code -Dringkv.crash.iterations=N} (default 20); seed: {@code -Dringkv.crash.seed}.
 */
class CrashRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void killedWriterLosesNoAcknowledgedWriteAndNoBatchIsHalfVisible() throws Exception {
        int iterations = Integer.getInteger("ringkv.crash.iterations", 20);
        long seed = Long.getLong("ringkv.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        Set<String> acknowledgedPuts = new HashSet<>();
        Set<String> acknowledgedBatches = new HashSet<>();
        Set<String> startedBatches = new HashSet<>();
        try {
            for (int i = 0; i < iterations; i++) {
                String prefix = "i" + i;
                Process p = new ProcessBuilder(javaBin(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                        CrashWriterMain.class.getName(), dir.toString(), prefix, Long.toString(random.nextLong()))
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                List<String> lines = Collections.synchronizedList(new ArrayList<>());
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            lines.add(line);
                        }
                    } catch (java.io.IOException e) {
                        lines.add("io-error " + e);
                    }
                });
                reader.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!lines.contains("open") && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    Thread.sleep(5); // test-only pacing while the child JVM starts
                }
                assertThat(lines).as("child opened the engine (seed %d, iteration %d)", seed, i).contains("open");
                Thread.sleep(50 + random.nextInt(600)); // the kill lands at a random moment
                p.destroyForcibly(); // SIGKILL on Linux
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                reader.join(10_000);
                synchronized (lines) {
                    for (String line : lines) {
                        if (line.startsWith("p ")) {
                            acknowledgedPuts.add(line.substring(2));
                        } else if (line.startsWith("b ")) {
                            acknowledgedBatches.add(line.substring(2));
                        }
                    }
                }
                verify(seed, i, acknowledgedPuts, acknowledgedBatches, startedBatches);
            }
            assertThat(acknowledgedPuts.size()).as("the children wrote something (seed %d)", seed).isGreaterThan(100);
        } catch (AssertionError | Exception e) {
            throw new AssertionError("crash test failed; reproduce with -Dringkv.crash.seed=" + seed, e);
        }
    }

    private void verify(long seed, int iteration, Set<String> puts, Set<String> batches, Set<String> seenBatches) {
        try (LsmEngine engine = LsmEngine.open(dir, LsmOptions.builder().fsyncMode(FsyncMode.NO).build(),
                EntryFilter.KEEP_ALL)) {
            for (String key : puts) {
                assertThat(engine.get(Bytes.utf8(key))).as("acknowledged %s (seed %d, iteration %d)", key, seed,
                        iteration).isEqualTo(Bytes.utf8("v-" + key));
            }
            for (String id : batches) {
                for (int k = 0; k < 3; k++) {
                    assertThat(engine.get(Bytes.utf8("b/" + id + "/" + k))).as("batch %s key %d", id, k).isNotNull();
                }
            }
            // Every batch on disk, acknowledged or not, is whole.
            java.util.Map<String, Integer> parts = new java.util.HashMap<>();
            try (StorageIterator it = engine.iterator(Bytes.utf8("b/"), Bytes.utf8("b0"))) {
                while (it.valid()) {
                    String k = Bytes.string(it.key());
                    String id = k.substring(2, k.lastIndexOf('/'));
                    parts.merge(id, 1, Integer::sum);
                    assertThat(Bytes.string(it.value())).isEqualTo("batch-" + id);
                    it.next();
                }
            }
            for (var e : parts.entrySet()) {
                assertThat(e.getValue()).as("parts of batch %s visible (seed %d, iteration %d)", e.getKey(), seed,
                        iteration).isEqualTo(3);
            }
            seenBatches.addAll(parts.keySet());
            // Batches seen after an earlier crash must stay (they were durable then).
            assertThat(parts.keySet()).containsAll(seenBatches);
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
