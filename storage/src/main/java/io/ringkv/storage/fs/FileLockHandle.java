package io.ringkv.storage.fs;

/** A held directory lock; closing releases it. */
public interface FileLockHandle extends AutoCloseable {
    @Override
    void close();
}
