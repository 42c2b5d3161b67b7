package io.ringkv.storage;

import static io.ringkv.common.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.common.Bytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behaviour every {@link StorageEngine} must have. Each engine's test extends this class and
 * says how to open (and, for durable engines, reopen) an engine in a directory.
 */
public abstract class StorageEngineContractTest {
    @TempDir
    protected Path dir;

    protected StorageEngine engine;

    /** Opens an engine storing its files (if any) under {@code dir}. */
    protected abstract StorageEngine open(Path dir);

    /** Whether data survives close + open on the same directory. */
    protected abstract boolean durable();

    @BeforeEach
    void openEngine() {
        engine = open(dir);
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    protected void reopen() {
        engine.close();
        engine = open(dir);
    }

    private static List<String> keys(StorageIterator it) {
        List<String> out = new ArrayList<>();
        while (it.valid()) {
            out.add(Bytes.string(it.key()));
            it.next();
        }
        it.close();
        return out;
    }

    @Test
    void getReturnsWhatPutStored() {
        engine.put(utf8("a"), utf8("1"));
        assertThat(engine.get(utf8("a"))).isEqualTo(utf8("1"));
        assertThat(engine.get(utf8("b"))).isNull();
    }

    @Test
    void overwriteReplacesAndDeleteRemoves() {
        engine.put(utf8("a"), utf8("1"));
        engine.put(utf8("a"), utf8("2"));
        assertThat(engine.get(utf8("a"))).isEqualTo(utf8("2"));
        engine.delete(utf8("a"));
        assertThat(engine.get(utf8("a"))).isNull();
        engine.delete(utf8("never-existed"));
    }

    @Test
    void emptyValuesAndBinaryKeysAreKept() {
        byte[] key = {0, (byte) 0xFF, 10, 13};
        engine.put(key, new byte[0]);
        assertThat(engine.get(key)).isEmpty();
    }

    @Test
    void iteratorWalksRangeInUnsignedOrder() {
        for (String k : new String[] {"b", "a", "d", "c", "e"}) {
            engine.put(utf8(k), utf8(k));
        }
        engine.put(new byte[] {(byte) 0x80}, utf8("high"));
        assertThat(keys(engine.iterator(null, null))).containsExactly("a", "b", "c", "d", "e", "\uFFFD");
        assertThat(keys(engine.iterator(utf8("b"), utf8("d")))).containsExactly("b", "c");
        StorageIterator it = engine.iterator(utf8("b"), null);
        it.seek(utf8("cc"));
        assertThat(Bytes.string(it.key())).isEqualTo("d");
        it.seek(utf8("a"));
        assertThat(Bytes.string(it.key())).isEqualTo("b");
        it.close();
    }

    @Test
    void iteratorSkipsDeletedKeys() {
        engine.put(utf8("a"), utf8("1"));
        engine.put(utf8("b"), utf8("2"));
        engine.delete(utf8("a"));
        assertThat(keys(engine.iterator(null, null))).containsExactly("b");
    }

    @Test
    void batchAppliesAllOperationsInOrder() {
        engine.put(utf8("x"), utf8("old"));
        engine.write(new WriteBatch().put(utf8("a"), utf8("1")).delete(utf8("x")).put(utf8("a"), utf8("2")));
        assertThat(engine.get(utf8("a"))).isEqualTo(utf8("2"));
        assertThat(engine.get(utf8("x"))).isNull();
    }

    @Test
    void snapshotIgnoresLaterWrites() {
        engine.put(utf8("a"), utf8("1"));
        try (Snapshot snap = engine.snapshot()) {
            engine.put(utf8("a"), utf8("2"));
            engine.put(utf8("b"), utf8("3"));
            assertThat(snap.get(utf8("a"))).isEqualTo(utf8("1"));
            assertThat(snap.get(utf8("b"))).isNull();
            assertThat(keys(snap.iterator(null, null))).containsExactly("a");
        }
    }

    @Test
    void clearRemovesEverything() {
        engine.put(utf8("a"), utf8("1"));
        engine.flush();
        engine.put(utf8("b"), utf8("2"));
        engine.clear();
        assertThat(keys(engine.iterator(null, null))).isEmpty();
        engine.put(utf8("c"), utf8("3"));
        assertThat(keys(engine.iterator(null, null))).containsExactly("c");
    }

    @Test
    void flushAndCompactKeepData() {
        for (int i = 0; i < 1000; i++) {
            engine.put(utf8(String.format("k%05d", i)), utf8("v" + i));
        }
        engine.flush();
        for (int i = 0; i < 1000; i += 2) {
            engine.delete(utf8(String.format("k%05d", i)));
        }
        engine.compactRange(null, null);
        assertThat(engine.get(utf8("k00001"))).isEqualTo(utf8("v1"));
        assertThat(engine.get(utf8("k00002"))).isNull();
        assertThat(keys(engine.iterator(null, null))).hasSize(500);
    }

    @Test
    void dataSurvivesReopenWhenDurable() {
        engine.put(utf8("a"), utf8("1"));
        engine.write(new WriteBatch().put(utf8("b"), utf8("2")).delete(utf8("a")));
        reopen();
        if (durable()) {
            assertThat(engine.get(utf8("a"))).isNull();
            assertThat(engine.get(utf8("b"))).isEqualTo(utf8("2"));
        } else {
            assertThat(engine.get(utf8("b"))).isNull();
        }
    }

    @Test
    void closedEngineRejectsCalls() {
        engine.close();
        assertThatThrownBy(() -> engine.get(utf8("a"))).isInstanceOf(StorageException.class);
        engine = open(dir.resolve("fresh"));
    }

    @Test
    void statsNameTheEngine() {
        assertThat(engine.stats()).containsKey("engine");
        assertThat(engine.name()).isIn("memory", "lsm");
    }
}
