package io.ringkv.ring.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How fast gossip converges, measured in the simulator with lossy links (issue 5: "membership
 * converges within a bounded number of rounds; measure and record rounds vs cluster size").
 * Each node starts knowing only 3 seeds; node 0 holds the cluster's ring. Measured, per size,
 * as the median (and max) over several seeds, in gossip rounds (1 round = 1 interval):
 *
 * <ul>
 *   <li>join: until every node knows every node at its current generation and holds the ring;
 *   <li>ring change: a new ring version proposed at a random node reaches every node;
 *   <li>crash: a crashed node is judged down (phi over the threshold) by every other node;
 *   <li>restart: the crashed node, restarted with a new generation, is judged up by all.
 * </ul>
 *
 * Asserted bound: 4 * log2(n) + 10 rounds for join and ring change. System properties:
 * {@code -Dgossip.sizes=8,32,64,128,512}, {@code -Dgossip.seeds=3}, {@code -Dgossip.loss=0.05}.
 */
class GossipConvergenceTest {
    private static QuietLogs quiet;

    @BeforeAll
    static void quiet() {
        quiet = QuietLogs.install();
    }

    @AfterAll
    static void loud() {
        quiet.close();
    }

    @Test
    void membershipAndRingConvergeWithinBoundedRoundsOnLossyLinks() {
        int[] sizes = Arrays.stream(System.getProperty("gossip.sizes", "8,32,64,128").split(","))
                .map(String::trim).mapToInt(Integer::parseInt).toArray();
        int seedsPerSize = Integer.getInteger("gossip.seeds", 3);
        double loss = Double.parseDouble(System.getProperty("gossip.loss", "0.05"));
        StringBuilder table = new StringBuilder(String.format(
                "gossip convergence, %.0f%% message loss, fanout %d, median (max) over %d seeds, in rounds%n"
                        + "%6s %8s %14s %14s %14s %14s%n",
                loss * 100, io.ringkv.ring.membership.GossipSettings.GOSSIP_FANOUT_DEFAULT, seedsPerSize,
                "nodes", "bound", "join", "ring change", "crash seen", "restart seen"));
        for (int n : sizes) {
            double bound = 4 * (Math.log(n) / Math.log(2)) + 10;
            List<Double> join = new ArrayList<>();
            List<Double> ring = new ArrayList<>();
            List<Double> crash = new ArrayList<>();
            List<Double> restart = new ArrayList<>();
            for (int s = 0; s < seedsPerSize; s++) {
                long seed = 1000L * n + s;
                GossipSimHarness h = new GossipSimHarness(seed, n, 3, loss, x -> x).startAll();
                String where = "n=" + n + " seed=" + seed;

                double j = h.roundsUntil(() -> h.membershipConverged() && h.ringConverged(1), 200);
                assertTrue(j >= 0 && j <= bound, "join took " + j + " rounds, bound " + bound + " (" + where + ")");
                join.add(j);

                int proposer = 1 + (int) (seed % (n - 1));
                h.gossiper(proposer).proposeRing(h.gossiper(proposer).ring().withMembers(h.members));
                double r = h.roundsUntil(() -> h.ringConverged(2), 200);
                assertTrue(r >= 0 && r <= bound, "ring change took " + r + " rounds, bound " + bound + " (" + where + ")");
                ring.add(r);

                // Let liveness settle (phi histories fill) before measuring failure detection.
                assertTrue(h.runUntil(h::allUp, h.nowMillis() + 30_000), "all up (" + where + ")");
                h.runFor(10_000);
                int victim = n - 1;
                h.crash(victim);
                double c = h.roundsUntil(() -> h.allSee(victim, false), 60);
                assertTrue(c >= 0 && c <= 20, "crash seen after " + c + " rounds (" + where + ")");
                crash.add(c);

                h.start(victim);
                double u = h.roundsUntil(() -> h.allSee(victim, true) && h.membershipConverged(), 200);
                assertTrue(u >= 0 && u <= bound, "restart seen after " + u + " rounds (" + where + ")");
                restart.add(u);
            }
            table.append(String.format("%6d %8.1f %14s %14s %14s %14s%n", n, bound, stat(join), stat(ring), stat(crash), stat(restart)));
        }
        System.out.print(table);
    }

    private static String stat(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        double median = sorted.get(sorted.size() / 2);
        return String.format("%.1f (%.1f)", median, sorted.get(sorted.size() - 1));
    }
}
