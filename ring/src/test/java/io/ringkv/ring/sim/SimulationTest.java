package io.ringkv.ring.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulator's sweep: many seeded runs of {@link Simulation}, each checking
 * the properties of {@link HistoryChecker} (and convergence), each failure naming its seed.
 *
 * <p>System properties (all optional):
 *
 * <ul>
 *   <li>{@code sim.seed=0x...}: run only this seed (as a failure prints it), and on failure
 *       write its whole history to {@code target/sim-<seed>.log};
 *   <li>{@code sim.seeds=N}: seeds in the sweep (default {@value #DEFAULT_SEEDS});
 *   <li>{@code sim.threads=N}: runs in parallel (default: up to two, one per core); each run
 *       is single-threaded and independent, so this changes nothing but the wall time;
 *   <li>{@code sim.ops=N}: client operations per run (default {@value #DEFAULT_OPS});
 *   <li>{@code sim.seedBase=N|random}: where the sweep starts (default fixed, so the build
 *       is reproducible; {@code random} explores new seeds and prints the base);
 *   <li>{@code sim.profile=CALM|LOSSY|PARTITIONS|CRASHES|CHAOS}: force the fault profile;
 *   <li>{@code sim.diskLoss=true}, {@code sim.keyWaitersMax=2}: the modes that exposed
 *       the bugs in {@link FixedBugsTest}; {@code sim.retryLostForwards=true} models the old,
 *       wrong router policy (re-running commands whose connection was lost).
 * </ul>
 *
 * For example {@code mvn -o -pl ring test -Dtest=SimulationTest -Dsim.seeds=20000 -Dsim.ops=500}.
 */
class SimulationTest {
    static final int DEFAULT_SEEDS = 2000;
    static final int DEFAULT_OPS = 200;
    private static final long DEFAULT_SEED_BASE = 0x52494E474B56L; // "RINGKV"

    private static QuietLogs quiet;

    @BeforeAll
    static void quietLogs() {
        quiet = QuietLogs.install();
    }

    @AfterAll
    static void restoreLogs() {
        quiet.close();
    }

    /** The seed of the sweep's {@code i}-th run: splitmix64, so neighbouring runs differ in everything. */
    static long seedAt(long base, long i) {
        long z = base + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seed as printed ({@code 0x} and 16 hex digits, all 64 bits) or in decimal. */
    static long parseSeed(String text) {
        String t = text.trim();
        return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
    }

    /** The run a seed stands for, with the forced knobs of the system properties applied. */
    static SimConfig configFor(long seed) {
        SimConfig c = SimConfig.fromSeed(seed, Integer.getInteger("sim.ops", DEFAULT_OPS));
        String profile = System.getProperty("sim.profile");
        if (profile != null) {
            c = c.withProfile(SimConfig.Profile.valueOf(profile));
        }
        c = c.withKeyWaitersMax(Integer.getInteger("sim.keyWaitersMax", SimConfig.KEY_WAITERS_MAX));
        return c.withDiskLoss(Boolean.getBoolean("sim.diskLoss")).withRetryLostForwards(Boolean.getBoolean("sim.retryLostForwards"));
    }

    @Test
    void seedSweep() throws IOException, InterruptedException {
        String one = System.getProperty("sim.seed");
        if (one != null) {
            replay(parseSeed(one));
            return;
        }
        int seeds = Integer.getInteger("sim.seeds", DEFAULT_SEEDS);
        String baseProperty = System.getProperty("sim.seedBase");
        long base = baseProperty == null ? DEFAULT_SEED_BASE
                : baseProperty.equals("random") ? new java.util.SplittableRandom().nextLong() : parseSeed(baseProperty);
        Map<SimConfig.Profile, Integer> runsByProfile = new EnumMap<>(SimConfig.Profile.class);
        long tasks = 0;
        long acknowledged = 0;
        long failed = 0;
        long unavailable = 0;
        int withSiblings = 0;
        long startNanos = System.nanoTime();
        int threads = Integer.getInteger("sim.threads", Math.min(2, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Simulation.Result>> runs = new ArrayList<>(seeds);
            for (int i = 0; i < seeds; i++) {
                SimConfig config = configFor(seedAt(base, i));
                runs.add(pool.submit(() -> Simulation.run(config, false)));
            }
            for (int i = 0; i < seeds; i++) {
                Simulation.Result r;
                try {
                    r = runs.get(i).get();
                } catch (ExecutionException e) {
                    // The first failing run in seed order, whichever thread finished first.
                    throw new AssertionError("run " + (i + 1) + " of " + seeds + " (seedBase " + base + "): " + e.getCause().getMessage(),
                            e.getCause());
                }
                runsByProfile.merge(r.config().profile(), 1, Integer::sum);
                tasks += r.tasks();
                acknowledged += r.acknowledged();
                failed += r.failed();
                unavailable += r.unavailable();
                if (r.siblingsMax() > 1) {
                    withSiblings++;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        System.out.printf("simulator: %d runs (seedBase %d, %d ops each, %d threads) in %.1f s = %.1f runs/s, %.0f tasks/s; operations "
                + "acknowledged %d, failed %d, unavailable %d; runs ending with siblings %d; profiles %s%n", seeds, base,
                Integer.getInteger("sim.ops", DEFAULT_OPS), threads, seconds, seeds / seconds, tasks / seconds, acknowledged, failed, unavailable,
                withSiblings, runsByProfile);
        if (seeds >= 200 && System.getProperty("sim.profile") == null) {
            // The sweep must exercise what it claims to: every profile, failures of every kind, siblings.
            assertTrue(runsByProfile.size() == SimConfig.Profile.values().length, "profiles covered: " + runsByProfile);
            assertTrue(failed > 0 && unavailable > 0, "no operation failed: the faults did nothing");
            assertTrue(withSiblings > seeds / 20, "too few runs ended with siblings: " + withSiblings);
        }
    }

    /** One seed, verbosely: its summary, and on failure its whole history in a file. */
    private static void replay(long seed) throws IOException {
        SimConfig config = configFor(seed);
        try {
            Simulation.Result r = Simulation.run(config, true);
            System.out.printf("seed 0x%016x passed: %s; %d tasks, %d virtual ms, acknowledged %d, failed %d, unavailable %d, "
                    + "write events %d, most siblings %d, network %s%n", seed, config, r.tasks(), r.virtualMillis(), r.acknowledged(),
                    r.failed(), r.unavailable(), r.writeEvents(), r.siblingsMax(), r.network());
        } catch (SimulationFailure e) {
            Path file = Path.of("target", String.format("sim-%016x.log", seed));
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.history(), StandardCharsets.UTF_8);
            throw new AssertionError(e.getMessage() + "\n(whole history: " + file.toAbsolutePath() + ")", e);
        }
    }
}
