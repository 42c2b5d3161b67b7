package io.ringkv.storage.fs;

import io.ringkv.storage.StorageException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileSystem} wrapper for tests that fails on command: appends, fsyncs, renames, or a
 * short write (half the bytes reach the file, then an error), limited to files whose name ends
 * with {@link #targetSuffix} (empty = all files).
 */
public final class FaultInjectingFileSystem implements FileSystem {
    private final FileSystem delegate;
    private volatile boolean failWrites;
    private volatile boolean failSyncs;
    private volatile boolean shortWrites;
    private volatile boolean failRenames;
    private volatile String targetSuffix = "";
    private final AtomicInteger injectedFaults = new AtomicInteger();

    public FaultInjectingFileSystem(FileSystem delegate) {
        this.delegate = delegate;
    }

    public FaultInjectingFileSystem failWrites(boolean on) {
        failWrites = on;
        return this;
    }

    public FaultInjectingFileSystem failSyncs(boolean on) {
        failSyncs = on;
        return this;
    }

    public FaultInjectingFileSystem shortWrites(boolean on) {
        shortWrites = on;
        return this;
    }

    public FaultInjectingFileSystem failRenames(boolean on) {
        failRenames = on;
        return this;
    }

    public FaultInjectingFileSystem targetSuffix(String suffix) {
        targetSuffix = suffix;
        return this;
    }

    public int injectedFaults() {
        return injectedFaults.get();
    }

    private boolean targeted(Path p) {
        return p.getFileName().toString().endsWith(targetSuffix);
    }

    private StorageException fault(String what, Path p) {
        injectedFaults.incrementAndGet();
        return new StorageException("injected " + what + " failure on " + p);
    }

    @Override
    public WritableFile create(Path path) {
        if (failWrites && targeted(path)) {
            throw fault("create", path);
        }
        WritableFile f = delegate.create(path);
        return new WritableFile() {
            @Override
            public void append(byte[] bytes, int offset, int length) {
                if (targeted(path)) {
                    if (failWrites) {
                        throw fault("write", path);
                    }
                    if (shortWrites && length > 1) {
                        f.append(bytes, offset, length / 2);
                        throw fault("short write", path);
                    }
                }
                f.append(bytes, offset, length);
            }

            @Override
            public void sync() {
                if (failSyncs && targeted(path)) {
                    throw fault("fsync", path);
                }
                f.sync();
            }

            @Override
            public long size() {
                return f.size();
            }

            @Override
            public void close() {
                f.close();
            }
        };
    }

    @Override
    public ReadableFile openRead(Path path) {
        return delegate.openRead(path);
    }

    @Override
    public void rename(Path from, Path to) {
        if (failRenames && targeted(to)) {
            throw fault("rename", to);
        }
        delegate.rename(from, to);
    }

    @Override
    public void delete(Path path) {
        delegate.delete(path);
    }

    @Override
    public boolean exists(Path path) {
        return delegate.exists(path);
    }

    @Override
    public List<String> list(Path dir) {
        return delegate.list(dir);
    }

    @Override
    public void createDirectories(Path dir) {
        delegate.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) {
        if (failSyncs && targetSuffix.isEmpty()) {
            throw fault("directory fsync", dir);
        }
        delegate.syncDirectory(dir);
    }

    @Override
    public long size(Path path) {
        return delegate.size(path);
    }

    @Override
    public FileLockHandle lock(Path path) {
        return delegate.lock(path);
    }

    @Override
    public void truncate(Path path, long size) {
        delegate.truncate(path, size);
    }
}
