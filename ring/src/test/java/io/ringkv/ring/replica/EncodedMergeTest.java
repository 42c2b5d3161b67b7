package io.ringkv.ring.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.ManualClock;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.VersionVector;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplicaStore#mergeEncoded} (REPLICA_WRITE, with its shortcut for a set that supersedes
 * the stored one) against {@link ReplicaStore#merge} (the general merge) over seeded random
 * concurrent histories: two stores receive the same sets, one each way, and must end every step
 * with the same engine bytes, the same listener calls, the same counts and equal results.
 *
 * <p>Histories mix what makes the shortcut wrong if it is taken carelessly: three coordinators
 * writing with full, stale or empty contexts; sets delivered late, twice or out of order;
 * expired values reclaimed as tombstones under the same dot, then the value arriving again with
 * an equal or newer clock; FLUSHALL with older versions still in flight; more siblings than the
 * bound; and a bare record stored in the format from before the cluster.
 */
class EncodedMergeTest {
    private static final int SEEDS = 300;
    private static final int STEPS = 80;
    private static final List<NodeId> COORDINATORS = List.of(new NodeId("n1"), new NodeId("n2"), new NodeId("n3"));
    private static final List<byte[]> KEYS = List.of(b("k1"), b("k2"), b("k3"));
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A store and what its listeners heard. */
    private static final class Replica {
        final MemoryEngine engine = new MemoryEngine();
        final ReplicaStore store;
        final List<String> heard = new ArrayList<>();

        Replica(ManualClock clock, long seed, byte[] legacyKey, Record legacy) {
            if (legacyKey != null) {
                engine.put(StorageKeys.encode(legacyKey), legacy.encoded());
            }
            Partitioner partitioner = new Partitioner(16);
            store = new ReplicaStore(engine, partitioner, clock, new SplittableRandom(seed), 16, 2, 3);
            store.addChangeListener(new ReplicaStore.ChangeListener() {
                @Override
                public void changed(long token, byte[] key, Siblings before, Siblings after) {
                    heard.add(token + " " + HEX.formatHex(key) + " " + (before == null ? "-" : HEX.formatHex(before.encode()))
                            + " -> " + HEX.formatHex(after.encode()));
                }

                @Override
                public void cleared() {
                    heard.add("cleared");
                }
            });
        }

        List<String> contents() {
            List<String> out = new ArrayList<>();
            try (StorageIterator it = engine.iterator(null, null)) {
                for (; it.valid(); it.next()) {
                    out.add(HEX.formatHex(it.key()) + "=" + HEX.formatHex(it.value()));
                }
            }
            return out;
        }
    }

    /** One set sent to the replica. */
    private record Sent(byte[] key, byte[] set) {}

    private int shortcutsTaken;
    private int mergesRun;

    @Test
    void theEncodedMergeStoresAndAnnouncesExactlyWhatTheGeneralMergeDoes() {
        for (long seed = 0; seed < SEEDS; seed++) {
            runHistory(seed);
        }
        // Both branches were exercised, many times.
        assertThat(shortcutsTaken).isGreaterThan(SEEDS * 5);
        assertThat(mergesRun).isGreaterThan(SEEDS * 5);
    }

    private void runHistory(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ManualClock clock = new ManualClock(1_000_000);
        byte[] legacyKey = random.nextBoolean() ? KEYS.get(random.nextInt(KEYS.size())) : null;
        Record legacy = Record.string(b("old"), clock.currentTimeMillis() - 5, Record.NO_EXPIRY);
        Replica general = new Replica(clock, seed, legacyKey, legacy);
        Replica encoded = new Replica(clock, seed, legacyKey, legacy);
        Siblings[][] views = new Siblings[COORDINATORS.size()][KEYS.size()];
        for (Siblings[] v : views) {
            Arrays.fill(v, Siblings.empty());
        }
        List<Sent> sent = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            int c = random.nextInt(COORDINATORS.size());
            int k = random.nextInt(KEYS.size());
            byte[] key = KEYS.get(k);
            int action = random.nextInt(100);
            if (action < 30) {
                // A write at coordinator c, seen or not by what the client read.
                Siblings view = views[c][k];
                VersionVector context = switch (random.nextInt(3)) {
                    case 0 -> view.clock();
                    case 1 -> VersionVector.empty();
                    default -> sent.isEmpty() ? view.clock() : Siblings.decode(sent.get(random.nextInt(sent.size())).set()).clock();
                };
                long now = clock.currentTimeMillis();
                long ts = now + random.nextInt(-3, 4); // skewed clocks: versions from before a flush
                Record r = switch (random.nextInt(5)) {
                    case 0 -> Record.tombstone(ts);
                    case 1 -> Record.string(b("v" + step), ts, now + random.nextInt(1, 6));
                    default -> Record.string(b("v" + step), ts, Record.NO_EXPIRY);
                };
                views[c][k] = view.update(COORDINATORS.get(c), context, r);
                sent.add(new Sent(key, views[c][k].encode()));
                steps.add("write " + c + " " + k);
            } else if (action < 65 && !sent.isEmpty()) {
                // Delivers a set: usually the newest, sometimes an old one again.
                Sent s = random.nextInt(3) > 0 ? sent.get(sent.size() - 1) : sent.get(random.nextInt(sent.size()));
                deliver(general, encoded, s);
                steps.add("deliver " + HEX.formatHex(s.key()));
            } else if (action < 80) {
                // The coordinator learns the replica's set (read repair, its own replica): its next
                // writes then supersede what the replica holds.
                views[c][k] = views[c][k].merge(general.store.read(key));
                sent.add(new Sent(key, views[c][k].encode()));
                steps.add("learn " + c + " " + k);
            } else if (action < 88) {
                clock.advanceMillis(random.nextInt(1, 4));
                steps.add("tick");
            } else if (action < 97) {
                assertThat(encoded.store.reclaimExpired(key)).isEqualTo(general.store.reclaimExpired(key));
                steps.add("reclaim " + k);
            } else {
                general.store.flush(clock.currentTimeMillis());
                encoded.store.flush(clock.currentTimeMillis());
                steps.add("flush");
            }
            String where = "seed " + seed + " after " + steps;
            assertThat(encoded.contents()).as(where).isEqualTo(general.contents());
            assertThat(encoded.heard).as(where).isEqualTo(general.heard);
            assertThat(encoded.store.size()).as(where).isEqualTo(general.store.size());
            assertThat(encoded.store.keysWithExpiry()).as(where).isEqualTo(general.store.keysWithExpiry());
            assertThat(encoded.store.counters()).as(where).isEqualTo(general.store.counters());
            for (byte[] each : KEYS) {
                for (Replica r : List.of(general, encoded)) {
                    assertThat(r.store.readEncoded(each)).as(where).isEqualTo(r.store.read(each).encode());
                }
            }
        }
    }

    private void deliver(Replica general, Replica encoded, Sent s) {
        Siblings incoming = Siblings.decode(s.set());
        if (incoming.subsumes(encoded.store.read(s.key()))) {
            shortcutsTaken++;
        } else {
            mergesRun++;
        }
        Siblings viaMerge = general.store.merge(s.key(), incoming);
        Siblings viaBytes = encoded.store.mergeEncoded(s.key(), s.set().clone());
        assertThat(viaBytes).isEqualTo(viaMerge);
    }
}
