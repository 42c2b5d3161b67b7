package io.ringkv.storage.lsm;

import static io.ringkv.common.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.Bytes;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.Snapshot;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageEngineContractTest;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LsmEngineTest extends StorageEngineContractTest {
    private EntryFilter filter = EntryFilter.KEEP_ALL;

    @Override
    protected StorageEngine open(Path dir) {
        return LsmEngine.open(dir, LsmTestSupport.small().build(), (k, v) -> filter.shouldDrop(k, v));
    }

    @Override
    protected boolean durable() {
        return true;
    }

    private static String key(int i) {
        return String.format("key%06d", i);
    }

    private int count(StorageIterator it) {
        int n = 0;
        while (it.valid()) {
            n++;
            it.next();
        }
        it.close();
        return n;
    }

    @Test
    void manyWritesFlushAndCompactIntoSeveralLevels() {
        for (int i = 0; i < 20_000; i++) {
            engine.put(utf8(key(i % 7000)), utf8("value-" + i));
        }
        engine.flush();
        Map<String, String> stats = engine.stats();
        assertThat(Long.parseLong(stats.get("flushes"))).isGreaterThan(3);
        for (int i = 13_000; i < 20_000; i++) {
            assertThat(engine.get(utf8(key(i % 7000)))).isEqualTo(utf8("value-" + i));
        }
        assertThat(count(engine.iterator(null, null))).isEqualTo(7000);
        reopen();
        assertThat(engine.get(utf8(key(6999)))).isEqualTo(utf8("value-13999"));
        assertThat(engine.get(utf8(key(5999)))).isEqualTo(utf8("value-19999"));
        assertThat(count(engine.iterator(null, null))).isEqualTo(7000);
    }

    @Test
    void unflushedWritesAreReplayedFromTheWal() {
        engine.put(utf8("a"), utf8("1"));
        engine.write(new WriteBatch().put(utf8("b"), utf8("2")).put(utf8("c"), utf8("3")));
        engine.delete(utf8("a"));
        reopen();
        assertThat(engine.get(utf8("a"))).isNull();
        assertThat(engine.get(utf8("b"))).isEqualTo(utf8("2"));
        assertThat(engine.get(utf8("c"))).isEqualTo(utf8("3"));
    }

    @Test
    void compactionDropsTombstonesAndFilteredEntriesAtTheBottom() {
        for (int i = 0; i < 3000; i++) {
            engine.put(utf8(key(i)), utf8(i % 3 == 0 ? "dead" : "live"));
        }
        engine.flush();
        for (int i = 0; i < 3000; i += 2) {
            engine.delete(utf8(key(i)));
        }
        filter = (k, v) -> Bytes.string(v).equals("dead");
        engine.compactRange(null, null);
        long expected = java.util.stream.IntStream.range(0, 3000).filter(i -> i % 2 != 0 && i % 3 != 0).count();
        assertThat(count(engine.iterator(null, null))).isEqualTo((int) expected);
        // Everything lives in one level now: no tombstones or dead values were written out.
        long tables = 0;
        for (Map.Entry<String, String> e : engine.stats().entrySet()) {
            if (e.getKey().endsWith("_tables") && e.getKey().startsWith("level")) {
                tables += Long.parseLong(e.getValue());
            }
        }
        assertThat(tables).isPositive();
        assertThat(Long.parseLong(engine.stats().get("compaction_entries_dropped"))).isGreaterThanOrEqualTo(3000 / 2);
    }

    @Test
    void snapshotSurvivesFlushCompactionAndClear() {
        for (int i = 0; i < 2000; i++) {
            engine.put(utf8(key(i)), utf8("v1"));
        }
        try (Snapshot snap = engine.snapshot()) {
            for (int i = 0; i < 2000; i++) {
                engine.put(utf8(key(i)), utf8("v2"));
            }
            engine.compactRange(null, null);
            assertThat(snap.get(utf8(key(5)))).isEqualTo(utf8("v1"));
            engine.clear();
            assertThat(engine.get(utf8(key(5)))).isNull();
            assertThat(snap.get(utf8(key(1999)))).isEqualTo(utf8("v1"));
            assertThat(count(snap.iterator(null, null))).isEqualTo(2000);
        }
    }

    @Test
    void iteratorKeepsReadingFilesThatCompactionReplaced() {
        for (int i = 0; i < 3000; i++) {
            engine.put(utf8(key(i)), utf8("v" + i));
        }
        engine.flush();
        StorageIterator it = engine.iterator(null, null);
        for (int i = 0; i < 3000; i++) {
            engine.put(utf8(key(i)), utf8("w" + i));
        }
        engine.compactRange(null, null);
        int n = 0;
        while (it.valid()) {
            assertThat(Bytes.string(it.value())).startsWith("v");
            n++;
            it.next();
        }
        it.close();
        assertThat(n).isEqualTo(3000);
    }

    @Test
    void clearIsDurableAcrossReopen() throws Exception {
        for (int i = 0; i < 3000; i++) {
            engine.put(utf8(key(i)), utf8("v"));
        }
        engine.clear();
        engine.put(utf8("after"), utf8("1"));
        reopen();
        assertThat(engine.get(utf8(key(10)))).isNull();
        assertThat(engine.get(utf8("after"))).isEqualTo(utf8("1"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.toString().endsWith(".sst")).count()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void statsReportLevelsAndAmplification() {
        for (int i = 0; i < 5000; i++) {
            engine.put(utf8(key(i)), utf8("value"));
        }
        engine.flush();
        Map<String, String> s = engine.stats();
        assertThat(s).containsKeys("engine", "memtable_bytes", "level0_tables", "level1_bytes", "write_amplification",
                "read_amplification", "space_amplification", "block_cache_hit_rate", "pending_compaction_bytes",
                "write_stalls", "write_stall_micros", "last_flush_time", "compactions", "wal_bytes");
        assertThat(s.get("engine")).isEqualTo("lsm");
        assertThat(Long.parseLong(s.get("last_flush_time"))).isPositive();
    }

    @Test
    void aSecondEngineOnTheSameDirectoryIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> open(dir))
                .isInstanceOf(io.ringkv.storage.StorageException.class).hasMessageContaining("in use");
        engine.put(utf8("still"), utf8("works"));
    }

    @Test
    void oversizedBatchIsRejectedWithoutFailingTheEngine() {
        WriteBatch huge = new WriteBatch();
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < 140; i++) {
            huge.put(utf8("big" + i), big);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.write(huge))
                .isInstanceOf(io.ringkv.storage.StorageException.class).hasMessageContaining("exceeds");
        engine.put(utf8("after"), utf8("ok"));
        assertThat(engine.get(utf8("after"))).isEqualTo(utf8("ok"));
    }

    @Test
    void filesReplacedByCompactionAreDeletedOnceNothingReadsThem() throws Exception {
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 3000; i++) {
                engine.put(utf8(key(i)), utf8("round-" + round + "-" + i));
            }
            engine.flush();
        }
        StorageIterator pinned = engine.iterator(null, null);
        engine.compactRange(null, null);
        long live = liveTables();
        assertThat(sstFilesOnDisk()).as("the open iterator keeps replaced files").isGreaterThan(live);
        pinned.close();
        assertThat(sstFilesOnDisk()).isEqualTo(liveTables());
        for (int i = 0; i < 3000; i++) {
            engine.put(utf8(key(i)), utf8("again-" + i));
        }
        engine.compactRange(null, null);
        assertThat(sstFilesOnDisk()).isEqualTo(liveTables());
    }

    private long liveTables() {
        long n = 0;
        for (int level = 0; level < 7; level++) {
            n += Long.parseLong(engine.stats().get("level" + level + "_tables"));
        }
        return n;
    }

    private long sstFilesOnDisk() throws java.io.IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".sst")).count();
        }
    }

    @Test
    void rangeCompactionTakesEveryOverlappingLevelZeroFile() {
        engine.close();
        engine = LsmEngine.open(dir.resolve("l0"), LsmTestSupport.small().l0CompactionTrigger(8).l0SlowdownTrigger(8)
                .l0StopTrigger(10).build(), EntryFilter.KEEP_ALL);
        for (int i = 10; i <= 30; i++) {
            engine.put(utf8(key(i)), utf8("old"));
        }
        engine.flush();
        for (int i = 25; i <= 70; i++) {
            engine.put(utf8(key(i)), utf8("new"));
        }
        engine.flush();
        // Only the newer file overlaps [50, 60); moving it below the older one alone would
        // let the older level-0 file shadow keys 25..30.
        engine.compactRange(utf8(key(50)), utf8(key(60)));
        for (int i = 25; i <= 30; i++) {
            assertThat(engine.get(utf8(key(i)))).as("key %d", i).isEqualTo(utf8("new"));
        }
        assertThat(engine.get(utf8(key(10)))).isEqualTo(utf8("old"));
    }
}
