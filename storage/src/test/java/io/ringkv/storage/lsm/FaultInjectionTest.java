package io.ringkv.storage.lsm;

import static io.ringkv.common.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.fs.FaultInjectingFileSystem;
import io.ringkv.storage.fs.NioFileSystem;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** I/O failures surface as StorageException, and after one the engine refuses writes until reopened. */
class FaultInjectionTest {
    @TempDir
    Path dir;

    private final FaultInjectingFileSystem faults = new FaultInjectingFileSystem(new NioFileSystem());

    private LsmEngine open(FsyncMode mode) {
        return LsmEngine.open(dir, LsmTestSupport.small().fsyncMode(mode).fileSystem(faults).build(),
                EntryFilter.KEEP_ALL);
    }

    @Test
    void failedWalFsyncFailsTheWriteAndLaterWrites() {
        try (LsmEngine e = open(FsyncMode.ALWAYS)) {
            e.put(utf8("a"), utf8("1"));
            faults.targetSuffix(".log").failSyncs(true);
            assertThatThrownBy(() -> e.put(utf8("b"), utf8("2"))).isInstanceOf(StorageException.class)
                    .hasMessageContaining("fsync");
            faults.failSyncs(false);
            assertThatThrownBy(() -> e.put(utf8("c"), utf8("3"))).isInstanceOf(StorageException.class)
                    .hasMessageContaining("refuses writes");
            assertThat(e.get(utf8("a"))).isEqualTo(utf8("1"));
            assertThat(e.stats().get("background_error")).contains("fsync");
        }
        try (LsmEngine e = open(FsyncMode.ALWAYS)) {
            assertThat(e.get(utf8("a"))).isEqualTo(utf8("1"));
            e.put(utf8("d"), utf8("4"));
        }
    }

    @Test
    void shortWalWriteFailsAndRecoveryTruncatesTheTornRecord() {
        try (LsmEngine e = open(FsyncMode.NO)) {
            e.put(utf8("a"), utf8("1"));
            faults.targetSuffix(".log").shortWrites(true);
            assertThatThrownBy(() -> e.put(utf8("b"), utf8("2".repeat(100)))).isInstanceOf(StorageException.class);
            faults.shortWrites(false);
            assertThatThrownBy(() -> e.put(utf8("c"), utf8("3"))).isInstanceOf(StorageException.class);
        }
        try (LsmEngine e = open(FsyncMode.NO)) {
            assertThat(e.get(utf8("a"))).isEqualTo(utf8("1"));
            assertThat(e.get(utf8("b"))).isNull();
            assertThat(Long.parseLong(e.stats().get("wal_bytes_dropped_at_recovery"))).isPositive();
        }
    }

    @Test
    void failedTableWriteDuringFlushBecomesABackgroundError() {
        try (LsmEngine e = open(FsyncMode.NO)) {
            e.put(utf8("a"), utf8("1"));
            faults.targetSuffix(".sst").failWrites(true);
            assertThatThrownBy(e::flush).isInstanceOf(StorageException.class);
            faults.failWrites(false);
            assertThatThrownBy(() -> e.put(utf8("b"), utf8("2"))).isInstanceOf(StorageException.class);
            assertThat(e.get(utf8("a"))).isEqualTo(utf8("1"));
        }
        try (LsmEngine e = open(FsyncMode.NO)) {
            assertThat(e.get(utf8("a"))).isEqualTo(utf8("1"));
        }
    }

    @Test
    void failedManifestSyncDuringFlushIsReportedAndDataSurvivesReopen() {
        try (LsmEngine e = open(FsyncMode.NO)) {
            for (int i = 0; i < 100; i++) {
                e.put(utf8("k" + i), utf8("v" + i));
            }
            faults.targetSuffix("").failSyncs(true);
            assertThatThrownBy(e::flush).isInstanceOf(StorageException.class);
            faults.failSyncs(false);
        }
        try (LsmEngine e = open(FsyncMode.NO)) {
            assertThat(e.get(utf8("k42"))).isEqualTo(utf8("v42"));
        }
    }

    @Test
    void everysecSyncFailureIsRememberedAndRethrown() throws InterruptedException {
        try (LsmEngine e = open(FsyncMode.EVERYSEC)) {
            e.put(utf8("a"), utf8("1"));
            faults.targetSuffix(".log").failSyncs(true);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (e.stats().get("background_error").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50); // waiting for the real once-a-second syncer
            }
            faults.failSyncs(false);
            assertThatThrownBy(() -> e.put(utf8("b"), utf8("2"))).isInstanceOf(StorageException.class);
        }
    }
}
