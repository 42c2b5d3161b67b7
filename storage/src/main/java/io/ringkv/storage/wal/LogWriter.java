package io.ringkv.storage.wal;

import io.ringkv.storage.StorageException;
import io.ringkv.storage.fs.WritableFile;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Appends framed records to a log file (the WAL and the manifest share this format):
 * {@code [length u32][crc32c u32 over length bytes + payload][payload]}. The checksum covers
 * the length so a torn length field is detected too.
 *
 * <p>Appends come from one thread at a time (the group-commit leader); {@link #sync()} may be
 * called concurrently by the every-second syncer. A read-write lock lets appends and syncs
 * overlap while keeping {@link #close()} from racing either.
 */
public final class LogWriter implements AutoCloseable {
    public static final int HEADER_BYTES = 8;
    /** Upper bound on one record; a reader treats anything larger as corruption. */
    public static final int MAX_RECORD_BYTES = 256 << 20;

    private final WritableFile file;
    private final long number;
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    public LogWriter(WritableFile file, long number) {
        this.file = file;
        this.number = number;
    }

    public long number() {
        return number;
    }

    /** Appends one record; it reaches the OS page cache (not disk) before this returns. */
    public void append(byte[] payload) {
        if (payload.length > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("record of " + payload.length + " bytes exceeds " + MAX_RECORD_BYTES);
        }
        byte[] rec = new byte[HEADER_BYTES + payload.length];
        putInt(rec, 0, payload.length);
        System.arraycopy(payload, 0, rec, HEADER_BYTES, payload.length);
        putInt(rec, 4, crcOf(rec, payload.length));
        closeLock.readLock().lock();
        try {
            ensureOpen();
            file.append(rec, 0, rec.length);
        } finally {
            closeLock.readLock().unlock();
        }
    }

    static int crcOf(byte[] rec, int payloadLength) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(rec, 0, 4);
        c.update(rec, HEADER_BYTES, payloadLength);
        return (int) c.getValue();
    }

    /** Fsyncs everything appended so far. A no-op once closed (close already synced). */
    public void sync() {
        closeLock.readLock().lock();
        try {
            if (!closed) {
                file.sync();
            }
        } finally {
            closeLock.readLock().unlock();
        }
    }

    public long size() {
        return file.size();
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("log " + number + " is closed");
        }
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** Syncs and closes. */
    @Override
    public void close() {
        closeLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                file.sync();
            } finally {
                file.close();
            }
        } finally {
            closeLock.writeLock().unlock();
        }
    }
}
