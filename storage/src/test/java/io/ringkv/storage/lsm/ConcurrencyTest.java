package io.ringkv.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.Bytes;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.Snapshot;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers (group commit), point readers, iterators, snapshots, manual compactions and the
 * background flush/compaction threads all at once. Writers write pairs (a, b) of a slot in one
 * batch with equal values; any consistent view must show equal halves, and values per slot
 * only move forward.
 */
class ConcurrencyTest {
    @TempDir
    Path dir;

    private static final int SLOTS = 300;

    private static byte[] a(int slot) {
        return Bytes.utf8(String.format("a%04d", slot));
    }

    private static byte[] b(int slot) {
        return Bytes.utf8(String.format("b%04d", slot));
    }

    @Test
    void readersSeeAtomicBatchesWhileWritersFlushAndCompact() throws Exception {
        LsmOptions options = LsmTestSupport.small().fsyncMode(FsyncMode.EVERYSEC).build();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        AtomicLong checks = new AtomicLong();
        try (LsmEngine engine = LsmEngine.open(dir, options, EntryFilter.KEEP_ALL)) {
            List<Thread> threads = new ArrayList<>();
            CountDownLatch started = new CountDownLatch(6);
            for (int w = 0; w < 3; w++) {
                int writer = w;
                threads.add(new Thread(() -> {
                    started.countDown();
                    long version = 0;
                    java.util.Random r = new java.util.Random(writer);
                    while (!stop.get()) {
                        int slot = r.nextInt(SLOTS);
                        // Value: writer-local counter, with padding so memtables fill quickly.
                        byte[] v = Bytes.utf8(String.format("%d-%012d-%s", writer, ++version, "x".repeat(r.nextInt(100))));
                        engine.write(new WriteBatch().put(a(slot), v).put(b(slot), v));
                        writes.incrementAndGet();
                    }
                }, "writer-" + w));
            }
            threads.add(new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    try (Snapshot s = engine.snapshot()) {
                        for (int slot = 0; slot < SLOTS; slot += 7) {
                            assertThat(s.get(a(slot))).isEqualTo(s.get(b(slot)));
                        }
                        checkIterator(s.iterator(null, null));
                        checks.incrementAndGet();
                    }
                }
            }, "snapshot-reader"));
            threads.add(new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    checkIterator(engine.iterator(null, null));
                    checks.incrementAndGet();
                }
            }, "iterator-reader"));
            threads.add(new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    engine.compactRange(a(SLOTS / 3), b(SLOTS / 2));
                    Thread.onSpinWait();
                }
            }, "compactor"));
            for (Thread t : threads) {
                t.setUncaughtExceptionHandler((th, e) -> errors.add(e));
                t.start();
            }
            started.await();
            Thread.sleep(4000); // let the threads race for a fixed, bounded time
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
                assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
            }
            assertThat(errors).isEmpty();
            assertThat(writes.get()).isGreaterThan(1000);
            assertThat(checks.get()).isGreaterThan(5);
            Map<String, String> stats = engine.stats();
            assertThat(Long.parseLong(stats.get("flushes"))).isPositive();
            assertThat(stats.get("background_error")).isEmpty();
            for (int slot = 0; slot < SLOTS; slot++) {
                assertThat(engine.get(a(slot))).isEqualTo(engine.get(b(slot)));
            }
        }
    }

    /** Keys come in order and every slot present as "a" is present as "b" with the same value. */
    private static void checkIterator(StorageIterator it) {
        Map<String, byte[]> halves = new java.util.HashMap<>();
        byte[] previous = null;
        try (it) {
            while (it.valid()) {
                byte[] k = it.key();
                if (previous != null) {
                    assertThat(Bytes.compare(previous, k)).isNegative();
                }
                previous = k;
                String s = Bytes.string(k);
                String slot = s.substring(1);
                if (s.startsWith("a")) {
                    halves.put(slot, it.value());
                } else {
                    assertThat(it.value()).as("slot %s", slot).isEqualTo(halves.remove(slot));
                }
                it.next();
            }
        }
        assertThat(halves).isEmpty();
    }
}
