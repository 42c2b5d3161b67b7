package io.ringkv.storage.fs;

/** An append-only file. {@link #sync()} returns once appended bytes are on stable storage. */
public interface WritableFile extends AutoCloseable {
    void append(byte[] bytes, int offset, int length);

    default void append(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    void sync();

    long size();

    @Override
    void close();
}
