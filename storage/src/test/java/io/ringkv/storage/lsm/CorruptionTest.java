package io.ringkv.storage.lsm;

import static io.ringkv.common.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.storage.CorruptionException;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.StorageIterator;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files are detected: a WAL tail is truncated with a log line, anything else is a CorruptionException. */
class CorruptionTest {
    @TempDir
    Path dir;

    private LsmEngine open() {
        return LsmEngine.open(dir, LsmTestSupport.small().compression(false).l0CompactionTrigger(100)
                .l0SlowdownTrigger(100).l0StopTrigger(100).build(), EntryFilter.KEEP_ALL);
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)
                    || p.getFileName().toString().startsWith(suffix)).sorted().toList();
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x5A);
        }
    }

    private static String key(int i) {
        return String.format("key%05d", i);
    }

    @Test
    void flippedByteInWalTailDropsOnlyTheTailRecord() throws IOException {
        try (LsmEngine e = open()) {
            for (int i = 0; i < 20; i++) {
                e.put(utf8(key(i)), utf8("v" + i));
            }
        }
        Path log = files(".log").get(files(".log").size() - 1);
        flipByte(log, Files.size(log) - 3);
        try (LsmEngine e = open()) {
            for (int i = 0; i < 19; i++) {
                assertThat(e.get(utf8(key(i)))).isEqualTo(utf8("v" + i));
            }
            assertThat(e.get(utf8(key(19)))).isNull();
            assertThat(Long.parseLong(e.stats().get("wal_bytes_dropped_at_recovery"))).isPositive();
        }
    }

    @Test
    void truncatedWalRecordIsDroppedAndEarlierDataKept() throws IOException {
        try (LsmEngine e = open()) {
            for (int i = 0; i < 20; i++) {
                e.put(utf8(key(i)), utf8("value-" + i));
            }
        }
        Path log = files(".log").get(files(".log").size() - 1);
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
            f.setLength(f.length() - 5);
        }
        try (LsmEngine e = open()) {
            assertThat(e.get(utf8(key(18)))).isEqualTo(utf8("value-18"));
            assertThat(e.get(utf8(key(19)))).isNull();
        }
        // The recovered state was flushed: a second reopen sees the same thing and drops nothing.
        try (LsmEngine e = open()) {
            assertThat(e.get(utf8(key(18)))).isEqualTo(utf8("value-18"));
            assertThat(e.stats().get("wal_bytes_dropped_at_recovery")).isEqualTo("0");
        }
    }

    private void writeOneTable() {
        try (LsmEngine e = open()) {
            for (int i = 0; i < 500; i++) {
                e.put(utf8(key(i)), utf8("value-" + i));
            }
            e.flush();
        }
    }

    @Test
    void flippedByteInDataBlockIsReportedNotServed() throws IOException {
        writeOneTable();
        Path table = files(".sst").get(0);
        flipByte(table, 20);
        try (LsmEngine e = open()) {
            assertThatThrownBy(() -> e.get(utf8(key(0)))).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("checksum");
            assertThatThrownBy(() -> {
                try (StorageIterator it = e.iterator(null, null)) {
                    while (it.valid()) {
                        it.next();
                    }
                }
            }).isInstanceOf(CorruptionException.class);
            // Blocks that are intact still read.
            assertThat(e.get(utf8(key(499)))).isEqualTo(utf8("value-499"));
        }
    }

    @Test
    void flippedByteInIndexBlockIsReported() throws IOException {
        writeOneTable();
        Path table = files(".sst").get(0);
        long size = Files.size(table);
        ByteBuffer footer = ByteBuffer.wrap(Files.readAllBytes(table), (int) size - 48, 48);
        footer.position((int) size - 48 + 12);
        long indexOffset = footer.getLong();
        flipByte(table, indexOffset + 2);
        try (LsmEngine e = open()) {
            assertThatThrownBy(() -> e.get(utf8(key(7)))).isInstanceOf(CorruptionException.class);
        }
    }

    @Test
    void damagedFooterMagicIsReported() throws IOException {
        writeOneTable();
        Path table = files(".sst").get(0);
        flipByte(table, Files.size(table) - 1);
        try (LsmEngine e = open()) {
            assertThatThrownBy(() -> e.get(utf8(key(7)))).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("magic");
        }
    }

    @Test
    void flippedByteInManifestFailsOpen() throws IOException {
        writeOneTable();
        Path manifest = files("MANIFEST-").get(0);
        flipByte(manifest, 10);
        assertThatThrownBy(this::open).isInstanceOf(CorruptionException.class).hasMessageContaining("manifest");
    }

    @Test
    void missingTableNamedByManifestFailsOpen() throws IOException {
        writeOneTable();
        Files.delete(files(".sst").get(0));
        assertThatThrownBy(this::open).isInstanceOf(CorruptionException.class).hasMessageContaining("missing table");
    }

    @Test
    void orphanFilesAreRemovedAtOpen() throws IOException {
        writeOneTable();
        Files.write(dir.resolve("999999.sst"), new byte[100]);
        Files.write(dir.resolve("000001.tmp"), new byte[10]);
        try (LsmEngine e = open()) {
            assertThat(e.get(utf8(key(3)))).isEqualTo(utf8("value-3"));
        }
        assertThat(dir.resolve("999999.sst")).doesNotExist();
        assertThat(dir.resolve("000001.tmp")).doesNotExist();
    }
}
