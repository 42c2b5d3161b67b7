package io.ringkv.ring.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.Bytes;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Three replicas run random histories of client reads, writes (with whatever context the
 * client last read, or none) and pairwise syncs. Alongside, a model that knows nothing of
 * clocks tracks which writes each replica and each client has seen, and which writes each
 * write's context superseded. The sibling sets must agree with it at every step.
 */
class SiblingsPropertyTest {
    private static final List<NodeId> REPLICAS = List.of(new NodeId("n1"), new NodeId("n2"), new NodeId("n3"));
    private static final int CLIENTS = 3;

    sealed interface Step permits Read, Write, Sync {}

    /** A client reads a replica's set: it keeps the clock as its context. */
    record Read(int client, int replica) implements Step {}

    /** A write coordinated by {@code replica} with the client's last context ({@code client} -1: none). */
    record Write(int client, int replica, boolean tombstone, long timestampMillis, long expireAtMillis) implements Step {}

    /** Replica {@code to} merges in the set of replica {@code from} (replication, read or anti-entropy repair). */
    record Sync(int from, int to) implements Step {}

    @Provide
    Arbitrary<List<Step>> histories() {
        Arbitrary<Integer> replica = Arbitraries.integers().between(0, REPLICAS.size() - 1);
        Arbitrary<Integer> client = Arbitraries.integers().between(0, CLIENTS - 1);
        Arbitrary<Step> read = Combinators.combine(client, replica).as(Read::new);
        Arbitrary<Step> write = Combinators.combine(
                        Arbitraries.integers().between(-1, CLIENTS - 1), replica, Arbitraries.of(false, false, false, true),
                        Arbitraries.longs().between(0, 5), // few timestamps: many ties
                        Arbitraries.of(0L, 0L, 0L, 3L, 8L))
                .as(Write::new);
        Arbitrary<Step> sync = Combinators.combine(replica, replica).as(Sync::new);
        return Arbitraries.frequencyOf(Tuple.of(3, read), Tuple.of(4, write), Tuple.of(3, sync))
                .list().ofMaxSize(40);
    }

    /** The system under test and the model, stepped together. */
    static final class Simulation {
        final Siblings[] replicas = new Siblings[REPLICAS.size()];
        final VersionVector[] clientContexts = new VersionVector[CLIENTS];
        /** Model: the writes (by id) each replica and client has seen, directly or through a context. */
        final BitSet[] replicaSeen = new BitSet[REPLICAS.size()];
        final BitSet[] clientSeen = new BitSet[CLIENTS];
        /** Model: per write, the writes its context superseded. */
        final List<BitSet> superseded = new ArrayList<>();
        final List<Dot> dots = new ArrayList<>();
        /** Every replica state reached, for the algebraic properties. */
        final List<Siblings> states = new ArrayList<>();

        Simulation() {
            for (int r = 0; r < replicas.length; r++) {
                replicas[r] = Siblings.empty();
                replicaSeen[r] = new BitSet();
            }
            for (int c = 0; c < CLIENTS; c++) {
                clientContexts[c] = VersionVector.empty();
                clientSeen[c] = new BitSet();
            }
            states.add(Siblings.empty());
        }

        void run(List<Step> history) {
            for (Step step : history) {
                int changed = apply(step);
                if (changed >= 0) {
                    states.add(replicas[changed]);
                    assertAgreesWithModel(changed, step);
                }
            }
        }

        /** Applies a step; returns the replica it changed, or -1. */
        int apply(Step step) {
            if (step instanceof Read r) {
                clientContexts[r.client()] = replicas[r.replica()].clock();
                clientSeen[r.client()] = (BitSet) replicaSeen[r.replica()].clone();
                return -1;
            }
            if (step instanceof Write w) {
                int id = superseded.size();
                VersionVector context = w.client() < 0 ? VersionVector.empty() : clientContexts[w.client()];
                BitSet covered = w.client() < 0 ? new BitSet() : (BitSet) clientSeen[w.client()].clone();
                Siblings after = replicas[w.replica()].update(REPLICAS.get(w.replica()), context, record(id, w));
                dots.add(after.versions().stream().filter(v -> writeId(v) == id).findFirst().orElseThrow().dot());
                superseded.add(covered);
                replicas[w.replica()] = after;
                replicaSeen[w.replica()].or(covered);
                replicaSeen[w.replica()].set(id);
                return w.replica();
            }
            Sync s = (Sync) step;
            replicas[s.to()] = replicas[s.to()].merge(replicas[s.from()]);
            replicaSeen[s.to()].or(replicaSeen[s.from()]);
            return s.to();
        }

        /** The writes a replica should still hold: seen, and not superseded by a write it has seen. */
        BitSet expectedLive(BitSet seen) {
            BitSet live = (BitSet) seen.clone();
            seen.stream().forEach(w -> live.andNot(superseded.get(w)));
            return live;
        }

        void assertAgreesWithModel(int r, Step step) {
            Siblings s = replicas[r];
            BitSet held = new BitSet();
            for (Version v : s.versions()) {
                held.set(writeId(v));
                assertThat(v.dot()).isEqualTo(dots.get(writeId(v)));
            }
            assertThat(held).as("siblings of %s after %s", REPLICAS.get(r), step).isEqualTo(expectedLive(replicaSeen[r]));
            for (int w = 0; w < dots.size(); w++) {
                assertThat(s.clock().covers(dots.get(w))).as("clock of %s covers write %d", REPLICAS.get(r), w)
                        .isEqualTo(replicaSeen[r].get(w));
            }
        }

        /** Syncs every replica with every other, twice round, so all hold the same set. */
        void syncAll() {
            for (int round = 0; round < 2; round++) {
                for (int from = 0; from < replicas.length; from++) {
                    for (int to = 0; to < replicas.length; to++) {
                        replicas[to] = replicas[to].merge(replicas[from]);
                        replicaSeen[to].or(replicaSeen[from]);
                    }
                }
            }
        }
    }

    static Record record(int writeId, Write w) {
        byte[] payload = Bytes.utf8(Integer.toString(writeId));
        return w.tombstone()
                ? Record.decode(withTombstoneType(Record.string(payload, w.timestampMillis(), Record.NO_EXPIRY).encoded()))
                : Record.string(payload, w.timestampMillis(), w.expireAtMillis());
    }

    /** A tombstone carrying the write id as payload, so the model can still tell writes apart. */
    private static byte[] withTombstoneType(byte[] encoded) {
        byte[] b = encoded.clone();
        b[1] = 1; // Record.Type.TOMBSTONE
        return b;
    }

    static int writeId(Version v) {
        return Integer.parseInt(Bytes.string(v.record().payload()));
    }

    @Property(tries = 300)
    void replicasHoldExactlyTheWritesNoSeenContextCovered(@ForAll("histories") List<Step> history) {
        Simulation sim = new Simulation();
        sim.run(history);
    }

    @Property(tries = 300)
    void afterFullSyncNoWriteIsLostUnlessALaterWritesContextCoveredIt(@ForAll("histories") List<Step> history) {
        Simulation sim = new Simulation();
        sim.run(history);
        sim.syncAll();
        BitSet everyWrite = new BitSet();
        everyWrite.set(0, sim.dots.size());
        BitSet expected = sim.expectedLive(everyWrite);
        for (Siblings s : sim.replicas) {
            assertThat(s).isEqualTo(sim.replicas[0]);
            BitSet held = new BitSet();
            s.versions().forEach(v -> held.set(writeId(v)));
            assertThat(held).isEqualTo(expected);
        }
        // Converged replicas show plain GET the same value at any time.
        for (long now = 0; now <= 10; now++) {
            assertThat(sim.replicas[1].winner(now)).isEqualTo(sim.replicas[0].winner(now));
        }
    }

    @Property(tries = 300)
    void mergeIsCommutativeAssociativeAndIdempotent(@ForAll("histories") List<Step> history,
            @ForAll @IntRange(max = 1000) int i, @ForAll @IntRange(max = 1000) int j,
            @ForAll @IntRange(max = 1000) int k) {
        Simulation sim = new Simulation();
        sim.run(history);
        List<Siblings> states = sim.states;
        Siblings a = states.get(i % states.size());
        Siblings b = states.get(j % states.size());
        Siblings c = states.get(k % states.size());
        assertThat(a.merge(b)).isEqualTo(b.merge(a));
        assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
        assertThat(a.merge(a)).isEqualTo(a);
        assertThat(a.merge(Siblings.decode(a.encode()))).isEqualTo(a);
        assertThat(a.merge(b).merge(b)).isEqualTo(a.merge(b));
    }

    /**
     * A replica holding {@code held} that receives {@code received} may store the received set
     * as it is exactly when {@code subsumes} says so: in these histories every dot names one
     * write with one content, so the shortcut is neither wrong nor missed.
     */
    @Property(tries = 300)
    void subsumesHoldsExactlyWhenMergingGivesTheReceivedSetBack(@ForAll("histories") List<Step> history) {
        Simulation sim = new Simulation();
        sim.run(history);
        for (Siblings held : sim.states) {
            for (Siblings received : sim.states) {
                boolean givesItBack = held.merge(received).equals(received);
                assertThat(received.subsumes(held)).as("%s received by %s", received, held).isEqualTo(givesItBack);
                if (givesItBack) {
                    assertThat(received.merge(held)).isEqualTo(received);
                }
            }
        }
    }

    @Property(tries = 200)
    void everyReachableSetRoundTripsThroughItsEncoding(@ForAll("histories") List<Step> history) {
        Simulation sim = new Simulation();
        sim.run(history);
        NodeIdInterner nodeIds = new NodeIdInterner(2); // fewer than the replicas: cached and uncached ids
        for (Siblings s : sim.states) {
            byte[] encoded = s.encode();
            Siblings back = Siblings.decode(encoded);
            assertThat(back).isEqualTo(s);
            assertThat(back.encode()).isEqualTo(encoded);
            assertThat(Siblings.decode(encoded, nodeIds)).isEqualTo(s);
        }
    }

    @Property(tries = 300)
    void vectorJoinIsALeastUpperBoundAndTheCodecRoundTrips(@ForAll("vectors") VersionVector x,
            @ForAll("vectors") VersionVector y, @ForAll("vectors") VersionVector z) {
        VersionVector xy = x.join(y);
        assertThat(xy).isEqualTo(y.join(x));
        assertThat(xy.join(z)).isEqualTo(x.join(y.join(z)));
        assertThat(xy.descends(x) && xy.descends(y)).isTrue();
        assertThat(x.descends(y)).isEqualTo(xy.equals(x));
        for (Map.Entry<NodeId, Long> e : xy.entries().entrySet()) {
            assertThat(e.getValue()).isEqualTo(Math.max(x.get(e.getKey()), y.get(e.getKey())));
        }
        assertThat(VersionVector.decode(x.encode())).isEqualTo(x);
        assertThat(CausalContext.decode(CausalContext.encode(x, new byte[] {1}, new byte[] {2}), new byte[] {1},
                new byte[] {2})).isEqualTo(x);
    }

    @Provide
    Arbitrary<VersionVector> vectors() {
        Arbitrary<NodeId> nodes = Arbitraries.of("a", "b", "c", "d", "node-10").map(NodeId::new);
        Arbitrary<Long> counters = Arbitraries.oneOf(Arbitraries.longs().between(0, 4),
                Arbitraries.longs().between(0, Long.MAX_VALUE));
        return Arbitraries.maps(nodes, counters).ofMaxSize(5).map(m -> VersionVector.of(new TreeMap<>(m)));
    }

    @Property(tries = 200)
    void withAgreesWithAMapModel(@ForAll("vectors") VersionVector start, @ForAll @IntRange(max = 4) int node,
            @ForAll @IntRange(max = 6) int counter) {
        NodeId n = new NodeId(List.of("a", "b", "c", "d", "e").get(node));
        Map<NodeId, Long> model = new HashMap<>(start.entries());
        model.merge(n, (long) counter, Math::max);
        assertThat(start.with(n, counter)).isEqualTo(VersionVector.of(model));
    }
}
