package io.ringkv.bench;

import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.lsm.FsyncMode;
import io.ringkv.storage.lsm.LsmEngine;
import io.ringkv.storage.lsm.LsmOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteOptions;

/**
 * db_bench-style comparison of {@link LsmEngine} with RocksDB under matched settings: WAL on
 * without per-write fsync (LSM {@code fsync: no}, RocksDB {@code sync=false}), the same block
 * cache bytes, bloom bits per key, block size, memtable size, target file size, level sizing,
 * level-0 triggers, LZ4 compression, one flush + one compaction thread. One client thread.
 *
 * <p>Usage: {@code java -Xmx512m -jar ringkv-bench.jar [--num N] [--value-bytes B] [--reads R]
 * [--cache-bytes C] [--dir D] [--engines lsm,rocksdb]}. Cache defaults to a quarter of the raw
 * dataset so uniform random reads mostly miss it ("dataset ~4x the cache"); the hot read
 * workload draws keys from a slice of the key space that fits in the cache.
 */
public final class StorageBench {
    private static final int KEY_BYTES = 16;

    private final long num;
    private final int valueBytes;
    private final long reads;
    private final long cacheBytes;
    private final Path root;
    private final byte[] valuePool;

    private StorageBench(long num, int valueBytes, long reads, long cacheBytes, Path root) {
        this.num = num;
        this.valueBytes = valueBytes;
        this.reads = reads;
        this.cacheBytes = cacheBytes;
        this.root = root;
        // Values are half random, half repeated bytes (db_bench's default compression ratio 0.5).
        SplittableRandom r = new SplittableRandom(301);
        valuePool = new byte[1 << 20];
        for (int i = 0; i < valuePool.length; i += 2 * 50) {
            for (int j = 0; j < 50 && i + j < valuePool.length; j++) {
                valuePool[i + j] = (byte) ('a' + r.nextInt(26));
            }
            for (int j = 50; j < 100 && i + j < valuePool.length; j++) {
                valuePool[i + j] = 'x';
            }
        }
    }

    /** The engine operations the workloads need. */
    interface Kv extends AutoCloseable {
        void put(byte[] k, byte[] v) throws Exception;

        byte[] get(byte[] k) throws Exception;

        /** Seeks to {@code k} and reads up to {@code n} entries; returns how many. */
        int seekAndRead(byte[] k, int n) throws Exception;

        /** Reads everything in order; returns the entry count. */
        long scanAll() throws Exception;

        /** Flushes memtables and waits (bounded) until no compaction is pending. */
        void settle() throws Exception;

        double writeAmplification();

        @Override
        void close() throws Exception;
    }

    static final class LsmKv implements Kv {
        final LsmEngine engine;

        LsmKv(Path dir, long cacheBytes) {
            engine = LsmEngine.open(dir, LsmOptions.builder().fsyncMode(FsyncMode.NO).blockCacheBytes(cacheBytes)
                    .bloomBitsPerKey(10).blockBytes(4096).memtableBytesMax(64L << 20).targetFileBytes(64L << 20)
                    .levelBaseBytes(256L << 20).levelMultiplier(10).l0CompactionTrigger(4).l0SlowdownTrigger(20)
                    .l0StopTrigger(36).compression(true).build(), EntryFilter.KEEP_ALL);
        }

        @Override
        public void put(byte[] k, byte[] v) {
            engine.put(k, v);
        }

        @Override
        public byte[] get(byte[] k) {
            return engine.get(k);
        }

        @Override
        public int seekAndRead(byte[] k, int n) {
            try (StorageIterator it = engine.iterator(k, null)) {
                int i = 0;
                for (; i < n && it.valid(); i++) {
                    it.value();
                    it.next();
                }
                return i;
            }
        }

        @Override
        public long scanAll() {
            long n = 0;
            try (StorageIterator it = engine.iterator(null, null)) {
                for (; it.valid(); it.next()) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public void settle() throws InterruptedException {
            engine.flush();
            long deadline = System.nanoTime() + 600_000_000_000L;
            while (System.nanoTime() < deadline) {
                Map<String, String> s = engine.stats();
                if (Long.parseLong(s.get("pending_compaction_bytes")) == 0 && Integer.parseInt(s.get("level0_tables")) < 4) {
                    return;
                }
                Thread.sleep(100);
            }
        }

        @Override
        public double writeAmplification() {
            return Double.parseDouble(engine.stats().get("write_amplification"));
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    static final class RocksKv implements Kv {
        final Options options;
        final Statistics statistics = new Statistics();
        final LRUCache cache;
        final RocksDB db;
        final WriteOptions writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
        final ReadOptions readOptions = new ReadOptions();

        RocksKv(Path dir, long cacheBytes) throws RocksDBException {
            cache = new LRUCache(cacheBytes);
            BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache)
                    .setFilterPolicy(new BloomFilter(10, false)).setBlockSize(4096);
            options = new Options().setCreateIfMissing(true).setStatistics(statistics).setTableFormatConfig(table)
                    .setWriteBufferSize(64L << 20).setMaxWriteBufferNumber(2).setTargetFileSizeBase(64L << 20)
                    .setMaxBytesForLevelBase(256L << 20).setMaxBytesForLevelMultiplier(10)
                    .setLevel0FileNumCompactionTrigger(4).setLevel0SlowdownWritesTrigger(20)
                    .setLevel0StopWritesTrigger(36).setLevelCompactionDynamicLevelBytes(false)
                    .setCompressionType(CompressionType.LZ4_COMPRESSION).setMaxBackgroundJobs(2);
            db = RocksDB.open(options, dir.toString());
        }

        @Override
        public void put(byte[] k, byte[] v) throws RocksDBException {
            db.put(writeOptions, k, v);
        }

        @Override
        public byte[] get(byte[] k) throws RocksDBException {
            return db.get(readOptions, k);
        }

        @Override
        public int seekAndRead(byte[] k, int n) {
            try (RocksIterator it = db.newIterator(readOptions)) {
                it.seek(k);
                int i = 0;
                for (; i < n && it.isValid(); i++) {
                    it.value();
                    it.next();
                }
                return i;
            }
        }

        @Override
        public long scanAll() {
            long n = 0;
            try (RocksIterator it = db.newIterator(readOptions)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    it.key();
                    it.value();
                    n++;
                }
            }
            return n;
        }

        @Override
        public void settle() throws RocksDBException, InterruptedException {
            try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
                db.flush(f);
            }
            long deadline = System.nanoTime() + 600_000_000_000L;
            while (System.nanoTime() < deadline) {
                if ("0".equals(db.getProperty("rocksdb.compaction-pending"))
                        && "0".equals(db.getProperty("rocksdb.num-running-compactions"))) {
                    return;
                }
                Thread.sleep(100);
            }
        }

        @Override
        public double writeAmplification() {
            long user = statistics.getTickerCount(TickerType.BYTES_WRITTEN);
            long written = statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES)
                    + statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES);
            return user == 0 ? 0 : written / (double) user;
        }

        @Override
        public void close() {
            db.close();
            options.close();
            cache.close();
            writeOptions.close();
            readOptions.close();
        }
    }

    record Result(String workload, long ops, double opsPerSec, double p99Micros) {}

    private byte[] key(long i) {
        byte[] k = new byte[KEY_BYTES];
        for (int p = KEY_BYTES - 1; p >= 0; p--) {
            k[p] = (byte) ('0' + (i % 10));
            i /= 10;
        }
        return k;
    }

    private byte[] value(SplittableRandom r) {
        byte[] v = new byte[valueBytes];
        int off = r.nextInt(valuePool.length - valueBytes);
        System.arraycopy(valuePool, off, v, 0, valueBytes);
        return v;
    }

    @FunctionalInterface
    interface Op {
        void run(long i) throws Exception;
    }

    private static Result measure(String name, long ops, Op op) throws Exception {
        Histogram h = new Histogram(3); // auto-resizing: a full scan can take seconds
        long start = System.nanoTime();
        for (long i = 0; i < ops; i++) {
            long t0 = System.nanoTime();
            op.run(i);
            h.recordValue(Math.max(1, System.nanoTime() - t0));
        }
        double secs = (System.nanoTime() - start) / 1e9;
        Result r = new Result(name, ops, ops / secs, h.getValueAtPercentile(99) / 1000.0);
        System.err.printf(Locale.ROOT, "  %-16s %10.0f ops/s  p99 %8.1f us  (%.1f s)%n", name, r.opsPerSec(),
                r.p99Micros(), secs);
        return r;
    }

    interface KvFactory {
        Kv open(Path dir) throws Exception;
    }

    private Map<String, Object> runEngine(String name, KvFactory factory) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        System.err.println("== " + name);
        Path seqDir = root.resolve(name + "-seq");
        try (Kv kv = factory.open(seqDir)) {
            out.put("fillseq", measure("fillseq", num, i -> kv.put(key(i), value(new SplittableRandom(i)))));
        }
        deleteRecursively(seqDir);
        Path dir = root.resolve(name + "-rand");
        try (Kv kv = factory.open(dir)) {
            SplittableRandom r = new SplittableRandom(42);
            out.put("fillrandom", measure("fillrandom", num, i -> kv.put(key(r.nextLong(num)), value(r))));
            out.put("overwrite", measure("overwrite", num, i -> kv.put(key(r.nextLong(num)), value(r))));
            kv.settle();
            out.put("write_amplification", kv.writeAmplification());
            out.put("disk_bytes", directoryBytes(dir));
            SplittableRandom rr = new SplittableRandom(7);
            out.put("readrandom", measure("readrandom", reads, i -> kv.get(key(rr.nextLong(num)))));
            // Hot set: a key range whose raw size is half the cache.
            long hotKeys = Math.max(1, Math.min(num, cacheBytes / 2 / (KEY_BYTES + valueBytes)));
            measure("readhot-warmup", Math.min(reads, hotKeys * 2), i -> kv.get(key(rr.nextLong(hotKeys))));
            out.put("readrandom_hot", measure("readrandom_hot", reads, i -> kv.get(key(rr.nextLong(hotKeys)))));
            long[] scanned = new long[1];
            out.put("readseq", measure("readseq", 1, i -> scanned[0] = kv.scanAll()));
            out.put("readseq_entries", scanned[0]);
            out.put("seekrandom", measure("seekrandom", Math.min(reads, 200_000),
                    i -> kv.seekAndRead(key(rr.nextLong(num)), 10)));
        }
        deleteRecursively(dir);
        return out;
    }

    private static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        long num = 1_000_000;
        int valueBytes = 100;
        long reads = -1;
        long cacheBytes = -1;
        Path root = Path.of("target", "bench-data");
        String engines = "lsm,rocksdb";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--num" -> num = Long.parseLong(args[++i]);
                case "--value-bytes" -> valueBytes = Integer.parseInt(args[++i]);
                case "--reads" -> reads = Long.parseLong(args[++i]);
                case "--cache-bytes" -> cacheBytes = Long.parseLong(args[++i]);
                case "--dir" -> root = Path.of(args[++i]);
                case "--engines" -> engines = args[++i];
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (reads < 0) {
            reads = Math.min(num, 1_000_000);
        }
        if (cacheBytes < 0) {
            cacheBytes = Math.max(8L << 20, num * (KEY_BYTES + valueBytes) / 4);
        }
        Files.createDirectories(root);
        RocksDB.loadLibrary();
        StorageBench bench = new StorageBench(num, valueBytes, reads, cacheBytes, root);
        System.err.printf(Locale.ROOT, "num=%d value_bytes=%d reads=%d cache_bytes=%d heap_max=%d MiB%n", num, valueBytes,
                reads, cacheBytes, Runtime.getRuntime().maxMemory() >> 20);
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        for (String e : engines.split(",")) {
            long cb = cacheBytes;
            KvFactory f = switch (e) {
                case "lsm" -> dir -> new LsmKv(dir, cb);
                case "rocksdb" -> dir -> new RocksKv(dir, cb);
                default -> throw new IllegalArgumentException("unknown engine " + e);
            };
            results.put(e, bench.runEngine(e, f));
        }
        printTable(results, num, valueBytes, reads, cacheBytes);
    }

    private static void printTable(Map<String, Map<String, Object>> results, long num, int valueBytes, long reads,
            long cacheBytes) {
        System.out.printf(Locale.ROOT, "%n%s  num=%d value_bytes=%d key_bytes=%d reads=%d cache_bytes=%d%n%n",
                Instant.now(), num, valueBytes, KEY_BYTES, reads, cacheBytes);
        Map<String, Object> lsm = results.get("lsm");
        Map<String, Object> rocks = results.get("rocksdb");
        System.out.println("| workload | LSM ops/s | LSM p99 (us) | RocksDB ops/s | RocksDB p99 (us) | LSM/RocksDB throughput |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        List<String> names = new ArrayList<>(List.of("fillseq", "fillrandom", "overwrite", "readrandom",
                "readrandom_hot", "readseq", "seekrandom"));
        for (String n : names) {
            Result a = lsm == null ? null : (Result) lsm.get(n);
            Result b = rocks == null ? null : (Result) rocks.get(n);
            double ao = a == null ? 0 : a.opsPerSec() * (n.equals("readseq") ? entries(lsm) : 1);
            double bo = b == null ? 0 : b.opsPerSec() * (n.equals("readseq") ? entries(rocks) : 1);
            System.out.printf(Locale.ROOT, "| %s | %.0f | %s | %.0f | %s | %s |%n", n, ao,
                    a == null || n.equals("readseq") ? "-" : String.format(Locale.ROOT, "%.1f", a.p99Micros()), bo,
                    b == null || n.equals("readseq") ? "-" : String.format(Locale.ROOT, "%.1f", b.p99Micros()),
                    bo == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", ao / bo));
        }
        if (lsm != null && rocks != null) {
            double wa = (Double) lsm.get("write_amplification");
            double wb = (Double) rocks.get("write_amplification");
            System.out.printf(Locale.ROOT, "| write amplification (flush+compaction bytes / user bytes) | %.2f | | %.2f | | %.2fx |%n",
                    wa, wb, wb == 0 ? 0 : wa / wb);
            long da = (Long) lsm.get("disk_bytes");
            long db = (Long) rocks.get("disk_bytes");
            System.out.printf(Locale.ROOT, "| disk size after fillrandom+overwrite (MiB) | %.1f | | %.1f | | %.2fx |%n",
                    da / 1048576.0, db / 1048576.0, db == 0 ? 0 : da / (double) db);
        }
        System.out.println("\n(readseq row: entries/s over one full scan.)");
    }

    private static double entries(Map<String, Object> m) {
        return ((Long) m.get("readseq_entries")).doubleValue();
    }
}
