package io.ringkv.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.Bytes;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.Snapshot;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random sequences of puts, deletes, batches, flushes, compactions, reopens, range scans and
 * snapshots must leave the engine agreeing with a TreeMap model at every observation point.
 */
class LsmModelPropertyTest {
    sealed interface Action permits Put, Delete, Batch, Flush, Compact, Reopen, Scan, TakeSnapshot {}

    record Put(int key, int value, int length) implements Action {}

    record Delete(int key) implements Action {}

    record Batch(List<Action> ops) implements Action {}

    record Flush() implements Action {}

    record Compact(int from, int to) implements Action {}

    record Reopen() implements Action {}

    record Scan(int from, int to) implements Action {}

    record TakeSnapshot() implements Action {}

    private static byte[] key(int k) {
        return Bytes.utf8(String.format("k%03d", k));
    }

    private static byte[] value(int v, int length) {
        byte[] b = new byte[length + 4];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (v * 31 + i);
        }
        b[0] = (byte) (v >>> 8);
        b[1] = (byte) v;
        return b;
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Integer> keys = Arbitraries.integers().between(0, 80);
        Arbitrary<Action> put = Combinators.combine(keys, Arbitraries.integers().between(0, 65535),
                Arbitraries.integers().between(0, 400)).as(Put::new);
        Arbitrary<Action> delete = keys.map(Delete::new);
        Arbitrary<Action> batch = Arbitraries.frequencyOf(Tuple.of(3, put), Tuple.of(1, delete)).list().ofMinSize(1)
                .ofMaxSize(8).map(Batch::new);
        Arbitrary<Action> compact = Combinators.combine(Arbitraries.integers().between(-1, 80),
                Arbitraries.integers().between(-1, 80)).as(Compact::new);
        Arbitrary<Action> scan = Combinators.combine(Arbitraries.integers().between(-1, 80),
                Arbitraries.integers().between(-1, 80)).as(Scan::new);
        return Arbitraries.frequencyOf(
                        Tuple.of(40, put),
                        Tuple.of(12, delete),
                        Tuple.of(8, batch),
                        Tuple.of(3, Arbitraries.just(new Flush())),
                        Tuple.of(2, compact),
                        Tuple.of(2, Arbitraries.just(new Reopen())),
                        Tuple.of(5, scan),
                        Tuple.of(2, Arbitraries.just(new TakeSnapshot())))
                .list().ofMinSize(1).ofMaxSize(250);
    }

    private record OpenSnapshot(Snapshot snapshot, TreeMap<String, byte[]> model) {}

    @Property(tries = 120)
    void engineAgreesWithSortedMapModel(@ForAll("actions") List<Action> actions, @ForAll boolean deepLevelZero)
            throws IOException {
        Path dir = Files.createTempDirectory("lsm-prop");
        // Tiny memtable, files and levels (and no compression, as the test values compress
        // well) so a few hundred operations reach levels 2-4 and tombstones meet older
        // versions several levels down.
        LsmOptions options = LsmTestSupport.small().memtableBytesMax(4096).targetFileBytes(4096)
                .levelBaseBytes(4096).levelMultiplier(2).compression(false)
                // Half the tries let level 0 pile up overlapping files before compacting.
                .l0CompactionTrigger(deepLevelZero ? 6 : 2).build();
        LsmEngine engine = LsmEngine.open(dir, options, EntryFilter.KEEP_ALL);
        TreeMap<String, byte[]> model = new TreeMap<>();
        List<OpenSnapshot> snapshots = new ArrayList<>();
        try {
            for (Action a : actions) {
                    if (a instanceof Put p) {
                        engine.put(key(p.key()), value(p.value(), p.length()));
                        model.put(Bytes.string(key(p.key())), value(p.value(), p.length()));
                    } else if (a instanceof Delete d) {
                        engine.delete(key(d.key()));
                        model.remove(Bytes.string(key(d.key())));
                    } else if (a instanceof Batch b) {
                        WriteBatch wb = new WriteBatch();
                        for (Action op : b.ops()) {
                            if (op instanceof Put p) {
                                wb.put(key(p.key()), value(p.value(), p.length()));
                                model.put(Bytes.string(key(p.key())), value(p.value(), p.length()));
                            } else if (op instanceof Delete d) {
                                wb.delete(key(d.key()));
                                model.remove(Bytes.string(key(d.key())));
                            }
                        }
                        engine.write(wb);
                    } else if (a instanceof Flush f) {
                        engine.flush();
                    } else if (a instanceof Compact c) {
                        engine.compactRange(c.from() < 0 ? null : key(c.from()), c.to() < 0 ? null : key(c.to()));
                    } else if (a instanceof Reopen r) {
                        for (OpenSnapshot s : snapshots) {
                            check(s.snapshot().iterator(null, null), s.model(), null, null);
                            s.snapshot().close();
                        }
                        snapshots.clear();
                        engine.close();
                        engine = LsmEngine.open(dir, options, EntryFilter.KEEP_ALL);
                    } else if (a instanceof Scan s) {
                        byte[] from = s.from() < 0 ? null : key(s.from());
                        byte[] to = s.to() < 0 ? null : key(s.to());
                        check(engine.iterator(from, to), model, from, to);
                        if (!snapshots.isEmpty()) {
                            OpenSnapshot snap = snapshots.get(s.from() < 0 ? 0 : s.from() % snapshots.size());
                            check(snap.snapshot().iterator(from, to), snap.model(), from, to);
                        }
                    } else if (a instanceof TakeSnapshot t) {
                        if (snapshots.size() >= 3) {
                            OpenSnapshot old = snapshots.remove(0);
                            check(old.snapshot().iterator(null, null), old.model(), null, null);
                            old.snapshot().close();
                        }
                        snapshots.add(new OpenSnapshot(engine.snapshot(), new TreeMap<>(model)));
                    }
            }
            for (int k = 0; k <= 80; k++) {
                assertThat(engine.get(key(k))).as("key %d", k).isEqualTo(model.get(Bytes.string(key(k))));
            }
            check(engine.iterator(null, null), model, null, null);
            for (OpenSnapshot s : snapshots) {
                for (int k = 0; k <= 80; k++) {
                    assertThat(s.snapshot().get(key(k))).as("snapshot key %d", k)
                            .isEqualTo(s.model().get(Bytes.string(key(k))));
                }
            }
        } finally {
            for (OpenSnapshot s : snapshots) {
                s.snapshot().close();
            }
            engine.close();
            deleteRecursively(dir);
        }
    }

    private static void check(StorageIterator it, TreeMap<String, byte[]> model, byte[] from, byte[] to) {
        Map<String, byte[]> expected = model;
        if (from != null && to != null && Bytes.compare(from, to) >= 0) {
            expected = new TreeMap<>();
        } else if (from != null && to != null) {
            expected = model.subMap(Bytes.string(from), true, Bytes.string(to), false);
        } else if (from != null) {
            expected = model.tailMap(Bytes.string(from), true);
        } else if (to != null) {
            expected = model.headMap(Bytes.string(to), false);
        }
        List<String> keys = new ArrayList<>();
        try (it) {
            while (it.valid()) {
                String k = Bytes.string(it.key());
                assertThat(it.value()).as("value of %s", k).isEqualTo(model.get(k));
                keys.add(k);
                it.next();
            }
        }
        assertThat(keys).containsExactlyElementsOf(expected.keySet());
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
