package io.ringkv.storage.lsm;

import io.ringkv.common.Clock;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.Snapshot;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import io.ringkv.storage.compaction.Compaction;
import io.ringkv.storage.compaction.CompactionJob;
import io.ringkv.storage.compaction.CompactionPicker;
import io.ringkv.storage.fs.FileSystem;
import io.ringkv.storage.fs.ReadableFile;
import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import io.ringkv.storage.key.MergingIterator;
import io.ringkv.storage.memtable.MemTable;
import io.ringkv.storage.sstable.BlockCache;
import io.ringkv.storage.sstable.TableCache;
import io.ringkv.storage.sstable.TableOptions;
import io.ringkv.storage.version.FileMetaData;
import io.ringkv.storage.version.FileNames;
import io.ringkv.storage.version.LevelIterator;
import io.ringkv.storage.version.Version;
import io.ringkv.storage.version.VersionEdit;
import io.ringkv.storage.version.VersionSet;
import io.ringkv.storage.wal.LogReader;
import io.ringkv.storage.wal.LogWriter;
import io.ringkv.storage.wal.WalRecord;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable LSM engine ({@code storage.engine: lsm}), shaped like LevelDB's DbImpl.
 *
 * <p><b>Writes</b> queue up; the writer at the head is the leader: it makes room (possibly
 * stalling), takes the following queued batches into one group, appends them as one WAL
 * record, fsyncs if the mode is {@link FsyncMode#ALWAYS}, inserts into the memtable and only
 * then publishes the group's last sequence number, so readers never see part of a batch.
 * Durability on acknowledgement: ALWAYS = fsynced; EVERYSEC = in the OS page cache, fsynced
 * within about a second by a background task; NO = in the OS page cache.
 *
 * <p><b>Background work</b>: one flush thread (immutable memtable to a level-0 table) and one
 * compaction thread (leveled). Both install their results through the manifest
 * ({@link VersionSet}) under the engine mutex. The first background failure is kept and
 * rethrown on every later write. {@code compactionThreads} > 1 is accepted but one compaction
 * runs at a time: parallel compactions need conflict tracking between key ranges, not built yet.
 *
 * <p><b>Locks</b>: {@code compactionLock} (held for a whole compaction, and by clear) is always
 * taken before {@code mutex} (engine state). I/O happens outside the mutex except manifest
 * appends and obsolete-file deletion.
 */
public final class LsmEngine implements StorageEngine {
    private static final Logger log = LoggerFactory.getLogger(LsmEngine.class);
    private static final long MAX_GROUP_BYTES = 1 << 20;
    /** Largest batch accepted; leaves headroom under the WAL's record limit for framing. */
    private static final long MAX_BATCH_BYTES = LogWriter.MAX_RECORD_BYTES / 2;
    private static final long STALL_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SLOWDOWN_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long CLOSE_WAIT_SECONDS = 60;

    private final Path dir;
    private final LsmOptions options;
    private final FileSystem fs;
    private final EntryFilter filter;
    private final Clock clock;
    private final TableOptions tableOptions;
    private final BlockCache blockCache;
    private final TableCache tableCache;
    private final VersionSet versions;
    private final CompactionPicker picker;

    private final ReentrantLock mutex = new ReentrantLock();
    private final Condition backgroundChanged = mutex.newCondition();
    private final ReentrantLock compactionLock = new ReentrantLock();
    private final ArrayDeque<Writer> writers = new ArrayDeque<>();
    private final TreeMap<Long, Integer> snapshots = new TreeMap<>();
    private final Set<Long> pendingOutputs = new HashSet<>();

    private final ThreadPoolExecutor flushExecutor;
    private final ThreadPoolExecutor compactionExecutor;
    private final ScheduledExecutorService syncer;
    private io.ringkv.storage.fs.FileLockHandle dirLock;

    // Guarded by mutex.
    private MemTable mem;
    private MemTable imm;
    private LogWriter wal;
    private boolean flushScheduled;
    private boolean compactionScheduled;

    /**
     * What readers start from, replaced (under the mutex) whenever the memtable, the
     * immutable memtable or the version changes; readers take it without locking.
     */
    private record SuperVersion(MemTable mem, MemTable imm, Version version) {}

    private volatile SuperVersion superVersion;
    private volatile long lastSequence;
    private volatile StorageException backgroundError;
    private volatile boolean closed;

    private final AtomicLong userBytesWritten = new AtomicLong();
    private final AtomicLong walBytesWritten = new AtomicLong();
    private final AtomicLong flushBytesWritten = new AtomicLong();
    private final AtomicLong compactionBytesWritten = new AtomicLong();
    private final AtomicLong compactionBytesRead = new AtomicLong();
    private final AtomicLong compactions = new AtomicLong();
    private final AtomicLong trivialMoves = new AtomicLong();
    private final AtomicLong flushes = new AtomicLong();
    private final AtomicLong stallCount = new AtomicLong();
    private final AtomicLong stallMicros = new AtomicLong();
    private final AtomicLong slowdownCount = new AtomicLong();
    private final AtomicLong walBytesDroppedAtRecovery = new AtomicLong();
    private final AtomicLong entriesDroppedByCompaction = new AtomicLong();
    private volatile long lastFlushUnixSeconds;

    /** A queued write (batch != null) or a request for exclusive write access (batch == null). */
    private static final class Writer {
        final WriteBatch batch;
        final Condition cond;
        boolean done;
        RuntimeException error;

        Writer(WriteBatch batch, Condition cond) {
            this.batch = batch;
            this.cond = cond;
        }
    }

    private LsmEngine(Path dir, LsmOptions options, EntryFilter filter) {
        this.dir = dir;
        this.options = options;
        this.fs = options.fileSystem();
        this.filter = filter == null ? EntryFilter.KEEP_ALL : filter;
        this.clock = options.clock();
        this.tableOptions = new TableOptions(options.blockBytes(), options.bloomBitsPerKey(), options.compression());
        this.blockCache = new BlockCache(options.blockCacheBytes());
        this.tableCache = new TableCache(fs, n -> FileNames.table(dir, n), blockCache);
        this.versions = new VersionSet(dir, fs);
        this.picker = new CompactionPicker(options.l0CompactionTrigger(), options.levelBaseBytes(),
                options.levelMultiplier());
        // Each executor gets at most one queued task (guarded by the *Scheduled flags); the
        // queue bound makes a bug visible as a rejection instead of unbounded growth.
        this.flushExecutor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4),
                r -> daemon(r, "lsm-flush-" + dir.getFileName()));
        this.compactionExecutor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4),
                r -> daemon(r, "lsm-compaction-" + dir.getFileName()));
        this.syncer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "lsm-wal-sync-" + dir.getFileName()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Opens (creating if needed) the engine in {@code dir}, replaying any WAL left by a crash. */
    public static LsmEngine open(Path dir, LsmOptions options, EntryFilter filter) {
        LsmEngine e = new LsmEngine(dir, options, filter);
        try {
            e.recover();
        } catch (RuntimeException ex) {
            e.abandonAfterFailedOpen(ex);
            throw ex;
        }
        if (options.fsyncMode() == FsyncMode.EVERYSEC) {
            e.syncer.scheduleWithFixedDelay(e::syncWal, 1, 1, TimeUnit.SECONDS);
        }
        e.mutex.lock();
        try {
            e.maybeScheduleCompaction();
        } finally {
            e.mutex.unlock();
        }
        return e;
    }

    private void abandonAfterFailedOpen(RuntimeException cause) {
        closed = true;
        flushExecutor.shutdownNow();
        compactionExecutor.shutdownNow();
        syncer.shutdownNow();
        try {
            if (wal != null) {
                wal.close();
            }
            versions.close();
            tableCache.close();
            if (dirLock != null) {
                dirLock.close();
            }
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    // ---------------------------------------------------------------- recovery

    private void recover() {
        fs.createDirectories(dir);
        dirLock = fs.lock(dir.resolve(FileNames.LOCK));
        versions.recover();
        lastSequence = versions.lastSequence();
        List<Long> logs = new ArrayList<>();
        for (String name : fs.list(dir)) {
            FileNames.Parsed p = FileNames.parse(name);
            if (p.kind() == FileNames.Kind.LOG && p.number() >= versions.logNumber()) {
                logs.add(p.number());
            }
        }
        logs.sort(null);
        MemTable recovered = new MemTable(0);
        for (long n : logs) {
            replayLog(n, recovered);
        }
        long newLog = versions.newFileNumber();
        wal = new LogWriter(fs.create(FileNames.log(dir, newLog)), newLog);
        fs.syncDirectory(dir);
        VersionEdit edit = new VersionEdit().logNumber(newLog).lastSequence(lastSequence);
        if (!recovered.isEmpty()) {
            // Flushing what the WAL held makes recovery idempotent: the old logs can go.
            long number = versions.newFileNumber();
            pendingOutputs.add(number);
            FileMetaData f = writeLevel0(recovered, number, lastSequence);
            if (f != null) {
                edit.addFile(0, f);
                flushBytesWritten.addAndGet(f.sizeBytes());
            }
        }
        mutex.lock();
        try {
            versions.logAndApply(edit);
            pendingOutputs.clear();
            mem = new MemTable(newLog);
            publish();
            deleteObsoleteFiles();
        } finally {
            mutex.unlock();
        }
    }

    private void replayLog(long number, MemTable target) {
        Path path = FileNames.log(dir, number);
        LogReader.Result r;
        try (ReadableFile f = fs.openRead(path)) {
            r = LogReader.read(f, payload -> {
                long last = WalRecord.decode(payload, (seq, type, key, value) -> target.add(seq,
                        type == WalRecord.TYPE_DELETE ? InternalKey.TYPE_DELETE : InternalKey.TYPE_PUT, key, value));
                lastSequence = Math.max(lastSequence, last);
            });
        }
        if (!r.clean()) {
            // A crash mid-append leaves a torn record; with the page cache lost it may also be
            // garbage. Either way it was never acknowledged under ALWAYS. Redis's
            // aof-load-truncated behaviour: keep the valid prefix, drop the rest, say so.
            walBytesDroppedAtRecovery.addAndGet(r.droppedBytes());
            log.warn("WAL {}: {}; kept {} records ({} bytes), dropped {} bytes of torn/corrupt tail",
                    path.getFileName(), r.problem(), r.records(), r.validBytes(), r.droppedBytes());
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void put(byte[] key, byte[] value) {
        write(new WriteBatch().put(key, value));
    }

    @Override
    public void delete(byte[] key) {
        write(new WriteBatch().delete(key));
    }

    @Override
    public void write(WriteBatch batch) {
        checkOpen();
        if (batch.isEmpty()) {
            return;
        }
        if (batch.approximateBytes() > MAX_BATCH_BYTES) {
            // Rejected up front: an oversized WAL record must not turn into an engine failure.
            throw new StorageException("write batch of ~" + batch.approximateBytes() + " bytes exceeds the "
                    + MAX_BATCH_BYTES + "-byte limit");
        }
        mutex.lock();
        try {
            Writer w = enterQueue(batch);
            if (w.done) {
                if (w.error != null) {
                    throw w.error;
                }
                return;
            }
            Writer last = w;
            try {
                makeRoomForWrite(false);
            } catch (RuntimeException e) {
                leaveQueue(w, e);
                throw e;
            }
            List<WriteBatch> group = new ArrayList<>();
            long groupBytes = 0;
            int ops = 0;
            long maxBytes = batch.approximateBytes() <= (128 << 10) ? batch.approximateBytes() + (128 << 10)
                    : MAX_GROUP_BYTES;
            for (Writer x : writers) {
                if (x.batch == null || (x != w && groupBytes + x.batch.approximateBytes() > maxBytes)) {
                    break;
                }
                group.add(x.batch);
                groupBytes += x.batch.approximateBytes();
                ops += x.batch.size();
                last = x;
            }
            long firstSeq = lastSequence + 1;
            MemTable target = mem;
            LogWriter log = wal;
            RuntimeException failure = null;
            mutex.unlock();
            try {
                byte[] record = WalRecord.encode(firstSeq, group, ops, groupBytes);
                log.append(record);
                if (options.fsyncMode() == FsyncMode.ALWAYS) {
                    log.sync();
                }
                walBytesWritten.addAndGet(record.length + LogWriter.HEADER_BYTES);
                long seq = firstSeq;
                for (WriteBatch b : group) {
                    for (WriteBatch.Op op : b.ops()) {
                        target.add(seq++, op.isDelete() ? InternalKey.TYPE_DELETE : InternalKey.TYPE_PUT, op.key(),
                                op.value());
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                mutex.lock();
            }
            if (failure != null) {
                // The WAL's state is unknown (maybe a partial record): accept no more writes.
                StorageException err = failure instanceof StorageException se ? se
                        : new StorageException("write failed: " + failure, failure);
                recordBackgroundError(err);
                leaveQueue(last, err);
                throw err;
            }
            lastSequence = firstSeq + ops - 1;
            userBytesWritten.addAndGet(groupBytes);
            leaveQueue(last, null);
        } finally {
            mutex.unlock();
        }
    }

    /** Queues {@code batch} and waits until it is at the head (leader) or done by another leader. Mutex held. */
    private Writer enterQueue(WriteBatch batch) {
        Writer w = new Writer(batch, mutex.newCondition());
        writers.addLast(w);
        while (!w.done && writers.peekFirst() != w) {
            w.cond.awaitUninterruptibly();
        }
        return w;
    }

    /** Completes the queued writers up to {@code last} and wakes the next leader. Mutex held. */
    private void leaveQueue(Writer last, RuntimeException error) {
        while (true) {
            Writer x = writers.pollFirst();
            x.done = true;
            x.error = error;
            x.cond.signal();
            if (x == last) {
                break;
            }
        }
        Writer head = writers.peekFirst();
        if (head != null) {
            head.cond.signal();
        }
    }

    /**
     * Ensures the memtable has room, stalling writers when background work lags: a 1 ms delay
     * once level 0 reaches the slowdown trigger, a wait (in bounded steps, rechecking for
     * failure) while the previous memtable is still flushing or level 0 / pending compaction
     * bytes exceed the stop bounds. With {@code force}, switches a non-empty memtable. Mutex
     * held, caller is the queue leader.
     */
    private void makeRoomForWrite(boolean force) {
        boolean allowDelay = !force;
        boolean stalled = false;
        long stallStart = clock.nanoTime();
        try {
            while (true) {
                checkWritable();
                Version v = versions.current();
                int l0 = v.numFiles(0);
                if (allowDelay && l0 >= options.l0SlowdownTrigger()) {
                    slowdownCount.incrementAndGet();
                    awaitBackground(SLOWDOWN_NANOS);
                    allowDelay = false;
                    continue;
                }
                if (!force && mem.approximateBytes() < options.memtableBytesMax()) {
                    return;
                }
                if (force && mem.isEmpty()) {
                    return;
                }
                if (imm != null) {
                    stalled = true;
                    awaitBackground(STALL_WAIT_NANOS);
                    continue;
                }
                if (l0 >= options.l0StopTrigger()
                        || picker.pendingCompactionBytes(v) > options.pendingCompactionBytesStop()) {
                    stalled = true;
                    maybeScheduleCompaction();
                    awaitBackground(STALL_WAIT_NANOS);
                    continue;
                }
                switchMemtable();
                return;
            }
        } finally {
            if (stalled) {
                stallCount.incrementAndGet();
                stallMicros.addAndGet((clock.nanoTime() - stallStart) / 1000);
            }
        }
    }

    private void awaitBackground(long nanos) {
        try {
            backgroundChanged.awaitNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting for background work", e);
        }
    }

    /** Freezes the memtable and starts a new WAL. Mutex held, leader, imm == null. */
    private void switchMemtable() {
        long number = versions.newFileNumber();
        LogWriter next = new LogWriter(fs.create(FileNames.log(dir, number)), number);
        try {
            fs.syncDirectory(dir);
        } catch (RuntimeException e) {
            next.close();
            throw e;
        }
        LogWriter old = wal;
        wal = next;
        imm = mem;
        mem = new MemTable(number);
        publish();
        old.close(); // syncs: the frozen memtable's log is complete on disk before it is flushed
        maybeScheduleFlush();
    }

    private void syncWal() {
        LogWriter w;
        mutex.lock();
        try {
            if (closed || backgroundError != null) {
                return;
            }
            w = wal;
        } finally {
            mutex.unlock();
        }
        try {
            w.sync();
        } catch (RuntimeException e) {
            recordBackgroundError(e);
        }
    }

    // ---------------------------------------------------------------- flush

    private void maybeScheduleFlush() {
        if (imm != null && !flushScheduled && !closed && backgroundError == null) {
            flushScheduled = true;
            flushExecutor.execute(this::backgroundFlush);
        }
    }

    private void backgroundFlush() {
        MemTable frozen;
        long number;
        long sequence;
        mutex.lock();
        try {
            frozen = imm;
            if (frozen == null || closed || backgroundError != null) {
                flushScheduled = false;
                backgroundChanged.signalAll();
                return;
            }
            number = versions.newFileNumber();
            pendingOutputs.add(number);
            sequence = smallestSnapshot();
        } finally {
            mutex.unlock();
        }
        try {
            FileMetaData f = writeLevel0(frozen, number, sequence);
            mutex.lock();
            try {
                VersionEdit edit = new VersionEdit().logNumber(mem.logNumber()).lastSequence(lastSequence);
                if (f != null) {
                    edit.addFile(0, f);
                }
                versions.logAndApply(edit);
                imm = null;
                publish();
                flushes.incrementAndGet();
                if (f != null) {
                    flushBytesWritten.addAndGet(f.sizeBytes());
                }
                lastFlushUnixSeconds = clock.currentTimeMillis() / 1000;
                deleteObsoleteFiles();
                maybeScheduleCompaction();
            } finally {
                mutex.unlock();
            }
        } catch (RuntimeException | Error e) {
            recordBackgroundError(e);
        } finally {
            mutex.lock();
            try {
                pendingOutputs.remove(number);
                flushScheduled = false;
                // A memtable may have been frozen while this flush was finishing.
                maybeScheduleFlush();
                backgroundChanged.signalAll();
            } finally {
                mutex.unlock();
            }
        }
    }

    /** Writes a memtable as one level-0 table (shadowed versions dropped); null when it held nothing. */
    private FileMetaData writeLevel0(MemTable m, long number, long smallestSnapshot) {
        long[] numbers = {number};
        CompactionJob job = new CompactionJob(fs, n -> FileNames.table(dir, n), tableOptions, Long.MAX_VALUE, () -> {
            if (numbers[0] < 0) {
                throw new IllegalStateException("a flush writes one table");
            }
            long n = numbers[0];
            numbers[0] = -1;
            return n;
        }, () -> false);
        CompactionJob.Result r = job.run(m.iterator(), smallestSnapshot, k -> false, null);
        return r.outputs().isEmpty() ? null : r.outputs().get(0);
    }

    // ---------------------------------------------------------------- compaction

    private void maybeScheduleCompaction() {
        if (!compactionScheduled && !closed && backgroundError == null && picker.needsCompaction(versions.current())) {
            compactionScheduled = true;
            compactionExecutor.execute(this::backgroundCompaction);
        }
    }

    private void backgroundCompaction() {
        compactionLock.lock();
        try {
            Compaction c;
            mutex.lock();
            try {
                if (closed || backgroundError != null) {
                    return;
                }
                Version v = versions.acquireCurrent();
                c = picker.pick(v);
                if (c == null) {
                    v.unref();
                    return;
                }
            } finally {
                mutex.unlock();
            }
            try {
                runCompaction(c, true);
            } finally {
                releaseVersion(c.inputVersion());
            }
        } catch (CompactionJob.AbortedException e) {
            log.debug("compaction aborted by close");
        } catch (RuntimeException | Error e) {
            recordBackgroundError(e);
        } finally {
            compactionLock.unlock();
            mutex.lock();
            try {
                compactionScheduled = false;
                maybeScheduleCompaction();
                backgroundChanged.signalAll();
            } finally {
                mutex.unlock();
            }
        }
    }

    /** Runs one compaction and installs its result. compactionLock held, mutex not held. */
    private void runCompaction(Compaction c, boolean allowTrivialMove) {
        if (allowTrivialMove && c.isTrivialMove()) {
            mutex.lock();
            try {
                VersionEdit edit = new VersionEdit().lastSequence(lastSequence);
                for (FileMetaData f : c.inputs()) {
                    edit.deleteFile(c.level(), f.number());
                    edit.addFile(c.outputLevel(), f);
                }
                versions.logAndApply(edit);
                publish();
                trivialMoves.incrementAndGet();
                backgroundChanged.signalAll();
            } finally {
                mutex.unlock();
            }
            return;
        }
        long smallestSnapshot;
        mutex.lock();
        try {
            smallestSnapshot = smallestSnapshot();
        } finally {
            mutex.unlock();
        }
        List<InternalIterator> children = new ArrayList<>();
        if (c.level() == 0) {
            for (FileMetaData f : c.inputs()) {
                children.add(tableCache.get(f.number()).iterator(false));
            }
        } else {
            children.add(new LevelIterator(c.inputs(), tableCache, false));
        }
        if (!c.overlapping().isEmpty()) {
            children.add(new LevelIterator(c.overlapping(), tableCache, false));
        }
        List<Long> allocated = new ArrayList<>();
        CompactionJob job = new CompactionJob(fs, n -> FileNames.table(dir, n), tableOptions,
                options.targetFileBytes(), () -> {
                    mutex.lock();
                    try {
                        long n = versions.newFileNumber();
                        pendingOutputs.add(n);
                        allocated.add(n);
                        return n;
                    } finally {
                        mutex.unlock();
                    }
                }, () -> closed);
        try (MergingIterator input = new MergingIterator(children)) {
            CompactionJob.Result r = job.run(input, smallestSnapshot, c::isBaseLevelForKey, filter);
            mutex.lock();
            try {
                VersionEdit edit = new VersionEdit().lastSequence(lastSequence);
                for (FileMetaData f : c.inputs()) {
                    edit.deleteFile(c.level(), f.number());
                }
                for (FileMetaData f : c.overlapping()) {
                    edit.deleteFile(c.outputLevel(), f.number());
                }
                for (FileMetaData f : r.outputs()) {
                    edit.addFile(c.outputLevel(), f);
                }
                versions.logAndApply(edit);
                publish();
                compactions.incrementAndGet();
                compactionBytesRead.addAndGet(c.inputBytes());
                compactionBytesWritten.addAndGet(r.bytesWritten());
                entriesDroppedByCompaction.addAndGet(r.entriesDropped());
                deleteObsoleteFiles();
                backgroundChanged.signalAll();
            } finally {
                mutex.unlock();
            }
        } finally {
            mutex.lock();
            try {
                pendingOutputs.removeAll(allocated);
            } finally {
                mutex.unlock();
            }
        }
    }

    @Override
    public void compactRange(byte[] fromInclusive, byte[] toExclusive) {
        flush();
        compactionLock.lock();
        try {
            int maxLevelWithFiles = 1;
            mutex.lock();
            try {
                Version v = versions.current();
                for (int level = 1; level < Version.LEVELS; level++) {
                    if (!v.overlapping(level, fromInclusive, toExclusive).isEmpty()) {
                        maxLevelWithFiles = level;
                    }
                }
            } finally {
                mutex.unlock();
            }
            for (int level = 0; level < maxLevelWithFiles && level < Version.LEVELS - 1; level++) {
                Compaction c;
                mutex.lock();
                try {
                    checkWritable();
                    Version v = versions.acquireCurrent();
                    List<FileMetaData> inputs = v.overlapping(level, fromInclusive, toExclusive);
                    if (level == 0) {
                        inputs = expandLevel0(v, inputs);
                    }
                    if (inputs.isEmpty()) {
                        v.unref();
                        continue;
                    }
                    c = CompactionPicker.forInputs(v, level, inputs);
                } finally {
                    mutex.unlock();
                }
                try {
                    runCompaction(c, false);
                } catch (CompactionJob.AbortedException e) {
                    throw new StorageException("compaction aborted: engine closing", e);
                } catch (RuntimeException e) {
                    // Same policy as background compaction: an I/O failure mid-compaction stops writes.
                    recordBackgroundError(e);
                    throw e;
                } finally {
                    releaseVersion(c.inputVersion());
                }
            }
        } finally {
            compactionLock.unlock();
        }
    }

    /**
     * Level-0 files overlap each other, so compacting some of them requires every level-0 file
     * that overlaps their combined range; otherwise an older level-0 version could end up
     * above a newer one moved to level 1.
     */
    private static List<FileMetaData> expandLevel0(Version v, List<FileMetaData> inputs) {
        List<FileMetaData> current = inputs;
        while (!current.isEmpty()) {
            byte[] lo = null;
            byte[] hi = null;
            for (FileMetaData f : current) {
                if (lo == null || io.ringkv.common.Bytes.compare(f.smallestUserKey(), lo) < 0) {
                    lo = f.smallestUserKey();
                }
                if (hi == null || io.ringkv.common.Bytes.compare(f.largestUserKey(), hi) > 0) {
                    hi = f.largestUserKey();
                }
            }
            List<FileMetaData> next = v.overlapping(0, lo, hi);
            if (next.size() == current.size()) {
                return next;
            }
            current = next;
        }
        return current;
    }

    // ---------------------------------------------------------------- flush / clear

    @Override
    public void flush() {
        checkOpen();
        mutex.lock();
        try {
            Writer w = enterQueue(null);
            MemTable target;
            try {
                makeRoomForWrite(true);
                target = imm;
            } finally {
                leaveQueue(w, null);
            }
            while (target != null && imm == target) {
                checkWritable();
                awaitBackground(STALL_WAIT_NANOS);
            }
            checkWritable();
            // ALWAYS already synced each write; for the other modes flush() is a durability point too.
            wal.sync();
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Removes every key durably: one manifest edit drops all tables and moves the log number
     * past every existing WAL. A crash before that edit keeps the old data (clear was not
     * acknowledged); after it, nothing of the old data is replayed. Snapshots and iterators
     * opened before keep their pinned view.
     */
    @Override
    public void clear() {
        checkOpen();
        compactionLock.lock();
        try {
            mutex.lock();
            try {
                Writer w = enterQueue(null);
                try {
                    while (imm != null) {
                        checkWritable();
                        awaitBackground(STALL_WAIT_NANOS);
                    }
                    checkWritable();
                    long number = versions.newFileNumber();
                    LogWriter next = new LogWriter(fs.create(FileNames.log(dir, number)), number);
                    VersionEdit edit;
                    try {
                        fs.syncDirectory(dir);
                        edit = new VersionEdit().logNumber(number).lastSequence(lastSequence);
                        Version v = versions.current();
                        for (int level = 0; level < Version.LEVELS; level++) {
                            for (FileMetaData f : v.files(level)) {
                                edit.deleteFile(level, f.number());
                            }
                        }
                        versions.logAndApply(edit);
                    } catch (RuntimeException e) {
                        next.close();
                        recordBackgroundError(e);
                        throw e;
                    }
                    LogWriter old = wal;
                    wal = next;
                    mem = new MemTable(number);
                    publish();
                    old.close();
                    deleteObsoleteFiles();
                } finally {
                    leaveQueue(w, null);
                }
            } finally {
                mutex.unlock();
            }
        } finally {
            compactionLock.unlock();
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public byte[] get(byte[] key) {
        checkOpen();
        ReadView v = acquireView();
        try {
            return v.get(key);
        } finally {
            releaseView(v);
        }
    }

    @Override
    public StorageIterator iterator(byte[] fromInclusive, byte[] toExclusive) {
        checkOpen();
        ReadView v = acquireView();
        try {
            return new DbIterator(v.internalIterator(), v.sequence, fromInclusive, toExclusive, () -> releaseView(v));
        } catch (RuntimeException e) {
            releaseView(v);
            throw e;
        }
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        ReadView view;
        mutex.lock();
        try {
            view = acquireView();
            snapshots.merge(view.sequence, 1, Integer::sum);
        } finally {
            mutex.unlock();
        }
        return new LsmSnapshot(view);
    }

    private final class LsmSnapshot implements Snapshot {
        private final ReadView view;
        private boolean closed;

        LsmSnapshot(ReadView view) {
            this.view = view;
        }

        @Override
        public byte[] get(byte[] key) {
            check();
            return view.get(key);
        }

        @Override
        public StorageIterator iterator(byte[] fromInclusive, byte[] toExclusive) {
            check();
            // The iterator holds its own reference so it may outlive the snapshot.
            ReadView copy;
            mutex.lock();
            try {
                view.version.ref();
                copy = new ReadView(view.mem, view.imm, view.version, view.sequence, tableCache);
            } finally {
                mutex.unlock();
            }
            try {
                return new DbIterator(copy.internalIterator(), copy.sequence, fromInclusive, toExclusive,
                        () -> releaseView(copy));
            } catch (RuntimeException e) {
                releaseView(copy);
                throw e;
            }
        }

        private void check() {
            if (closed) {
                throw new StorageException("snapshot is closed");
            }
            checkOpen();
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            mutex.lock();
            try {
                snapshots.computeIfPresent(view.sequence, (k, n) -> n == 1 ? null : n - 1);
            } finally {
                mutex.unlock();
            }
            releaseView(view);
        }
    }

    /**
     * Pins the newest state without locking. The sequence is read first: every write up to it
     * is in the super version read afterwards (a newer super version only adds data). If the
     * version died between the two reads, tryRef fails and a newer one is taken.
     */
    private ReadView acquireView() {
        checkOpen();
        while (true) {
            long sequence = lastSequence;
            SuperVersion sv = superVersion;
            if (sv.version().tryRef()) {
                return new ReadView(sv.mem(), sv.imm(), sv.version(), sequence, tableCache);
            }
            Thread.onSpinWait(); // a writer is between installing a version and publishing it
        }
    }

    private void releaseView(ReadView v) {
        releaseVersion(v.version);
    }

    /**
     * Drops a version reference; the last holder of a version replaced by a flush or
     * compaction deletes the files only it kept alive (iterators, snapshots, and compactions,
     * which pin their input version until they finish).
     */
    private void releaseVersion(Version v) {
        if (v.unref() && !closed) {
            mutex.lock();
            try {
                if (!closed) {
                    deleteObsoleteFiles();
                }
            } finally {
                mutex.unlock();
            }
        }
    }

    /** Oldest sequence any snapshot reads at; versions newer than a later one may be merged away. Mutex held. */
    private long smallestSnapshot() {
        return snapshots.isEmpty() ? lastSequence : snapshots.firstKey();
    }

    // ---------------------------------------------------------------- housekeeping

    /** Deletes tables no version uses, logs before the recorded log number, old manifests, temp files. Mutex held. */
    private void deleteObsoleteFiles() {
        if (backgroundError != null) {
            // After a failure the manifest may not match memory; keep every file for recovery.
            return;
        }
        Set<Long> live = versions.liveTableNumbers();
        live.addAll(pendingOutputs);
        long logNumber = versions.logNumber();
        for (String name : fs.list(dir)) {
            FileNames.Parsed p = FileNames.parse(name);
            boolean keep = switch (p.kind()) {
                case LOG -> p.number() >= logNumber;
                case TABLE -> live.contains(p.number());
                case MANIFEST -> p.number() == versions.manifestNumber();
                case TEMP -> false;
                default -> true;
            };
            if (!keep) {
                if (p.kind() == FileNames.Kind.TABLE) {
                    tableCache.evict(p.number());
                }
                fs.delete(dir.resolve(name));
                log.debug("deleted obsolete {}", name);
            }
        }
    }

    private void recordBackgroundError(Throwable t) {
        StorageException e = t instanceof StorageException se ? se
                : new StorageException("background failure: " + t, t);
        mutex.lock();
        try {
            if (backgroundError == null) {
                backgroundError = e;
                log.error("LSM engine in {} failed; refusing further writes until reopened", dir, t);
            }
            backgroundChanged.signalAll();
        } finally {
            mutex.unlock();
        }
    }

    /** Publishes the current memtables and version to lock-free readers. Mutex held. */
    private void publish() {
        superVersion = new SuperVersion(mem, imm, versions.current());
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageException("engine is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        StorageException e = backgroundError;
        if (e != null) {
            throw new StorageException("engine failed earlier and refuses writes: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- stats / close

    @Override
    public Map<String, String> stats() {
        checkOpen();
        Map<String, String> s = new LinkedHashMap<>();
        Version v;
        long memBytes;
        long immBytes;
        long walBytes;
        long pending;
        mutex.lock();
        try {
            v = versions.current();
            memBytes = mem.approximateBytes();
            immBytes = imm == null ? 0 : imm.approximateBytes();
            walBytes = wal.size();
            pending = picker.pendingCompactionBytes(v);
        } finally {
            mutex.unlock();
        }
        s.put("engine", "lsm");
        s.put("fsync_mode", options.fsyncMode().name().toLowerCase(java.util.Locale.ROOT));
        s.put("memtable_bytes", Long.toString(memBytes));
        s.put("immutable_memtable_bytes", Long.toString(immBytes));
        long total = 0;
        long largestLevel = 0;
        int sortedRuns = 0;
        for (int level = 0; level < Version.LEVELS; level++) {
            long bytes = v.levelBytes(level);
            s.put("level" + level + "_tables", Integer.toString(v.numFiles(level)));
            s.put("level" + level + "_bytes", Long.toString(bytes));
            total += bytes;
            largestLevel = Math.max(largestLevel, bytes);
            sortedRuns += level == 0 ? v.numFiles(0) : (v.numFiles(level) > 0 ? 1 : 0);
        }
        long user = userBytesWritten.get();
        s.put("table_bytes", Long.toString(total));
        s.put("wal_bytes", Long.toString(walBytes));
        s.put("wal_bytes_written", Long.toString(walBytesWritten.get()));
        s.put("wal_bytes_dropped_at_recovery", Long.toString(walBytesDroppedAtRecovery.get()));
        s.put("user_bytes_written", Long.toString(user));
        s.put("flush_bytes_written", Long.toString(flushBytesWritten.get()));
        s.put("compaction_bytes_read", Long.toString(compactionBytesRead.get()));
        s.put("compaction_bytes_written", Long.toString(compactionBytesWritten.get()));
        s.put("write_amplification", ratio(flushBytesWritten.get() + compactionBytesWritten.get(), user));
        s.put("read_amplification", Integer.toString(1 + (immBytes > 0 ? 1 : 0) + sortedRuns));
        s.put("space_amplification", ratio(total, largestLevel));
        s.put("block_cache_bytes", Long.toString(blockCache.usedBytes()));
        s.put("block_cache_capacity_bytes", Long.toString(blockCache.capacityBytes()));
        s.put("block_cache_hit_rate", String.format(java.util.Locale.ROOT, "%.4f", blockCache.hitRate()));
        s.put("open_tables", Integer.toString(tableCache.openTables()));
        s.put("pending_compaction_bytes", Long.toString(pending));
        s.put("write_stalls", Long.toString(stallCount.get()));
        s.put("write_stall_micros", Long.toString(stallMicros.get()));
        s.put("write_slowdowns", Long.toString(slowdownCount.get()));
        s.put("flushes", Long.toString(flushes.get()));
        s.put("last_flush_time", Long.toString(lastFlushUnixSeconds));
        s.put("compactions", Long.toString(compactions.get()));
        s.put("trivial_moves", Long.toString(trivialMoves.get()));
        s.put("compaction_entries_dropped", Long.toString(entriesDroppedByCompaction.get()));
        s.put("last_sequence", Long.toString(lastSequence));
        s.put("open_snapshots", Integer.toString(snapshotCount()));
        s.put("background_error", backgroundError == null ? "" : backgroundError.getMessage());
        return s;
    }

    private int snapshotCount() {
        mutex.lock();
        try {
            int n = 0;
            for (int c : snapshots.values()) {
                n += c;
            }
            return n;
        } finally {
            mutex.unlock();
        }
    }

    private static String ratio(long a, long b) {
        return b == 0 ? "0.00" : String.format(java.util.Locale.ROOT, "%.2f", a / (double) b);
    }

    @Override
    public String name() {
        return "lsm";
    }

    /**
     * Stops background work (a running compaction is abandoned, a running flush completes),
     * waits for in-flight writes, syncs and closes the WAL. Unflushed memtable data stays in
     * the WAL and is replayed on the next open.
     */
    @Override
    public void close() {
        mutex.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            backgroundChanged.signalAll();
            for (Writer w : writers) {
                w.cond.signal();
            }
        } finally {
            mutex.unlock();
        }
        syncer.shutdownNow();
        flushExecutor.shutdown();
        compactionExecutor.shutdown();
        try {
            if (!flushExecutor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)
                    || !compactionExecutor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("background work in {} did not stop within {} s", dir, CLOSE_WAIT_SECONDS);
            }
            syncer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        mutex.lock();
        try {
            // Writers already past checkOpen finish their group; new leaders see closed and fail.
            long deadline = clock.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
            while (!writers.isEmpty() && clock.nanoTime() < deadline) {
                awaitBackground(STALL_WAIT_NANOS);
            }
            RuntimeException failure = closeQuietlyCollecting(null, wal::close);
            failure = closeQuietlyCollecting(failure, versions::close);
            failure = closeQuietlyCollecting(failure, tableCache::close);
            failure = closeQuietlyCollecting(failure, dirLock::close);
            if (failure != null) {
                throw failure;
            }
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Runs one step of close() even if an earlier step failed, keeping the first failure and
     * attaching later ones to it as suppressed, so every resource gets its chance to close.
     */
    private static RuntimeException closeQuietlyCollecting(RuntimeException failure, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }
}
