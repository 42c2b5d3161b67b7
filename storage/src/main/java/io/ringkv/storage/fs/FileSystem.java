package io.ringkv.storage.fs;

import java.nio.file.Path;
import java.util.List;

/**
 * The only way the LSM engine touches files. Kept small so tests can substitute a
 * fault-injecting implementation ({@link FaultInjectingFileSystem}). Every failure is a typed
 * {@link io.ringkv.storage.StorageException}; nothing is silently ignored (a failed delete
 * throws).
 */
public interface FileSystem {
    /** Creates (or truncates) a file for appending. */
    WritableFile create(Path path);

    ReadableFile openRead(Path path);

    /** Atomically replaces {@code to} with {@code from}. */
    void rename(Path from, Path to);

    /** Deletes an existing file; a missing file or failure throws. */
    void delete(Path path);

    boolean exists(Path path);

    /** File names (not paths) directly inside {@code dir}. */
    List<String> list(Path dir);

    void createDirectories(Path dir);

    /** Makes creations, renames and deletions inside {@code dir} durable. */
    void syncDirectory(Path dir);

    long size(Path path);

    /**
     * Takes an exclusive advisory lock on {@code path} (created if missing), so two engines
     * never share a directory. Throws if another process or engine holds it.
     */
    FileLockHandle lock(Path path);

    /** Truncates an existing file to {@code size} bytes and fsyncs it. */
    void truncate(Path path, long size);
}
