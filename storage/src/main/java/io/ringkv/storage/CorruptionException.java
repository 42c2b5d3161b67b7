package io.ringkv.storage;

/** Data read back failed its checksum or format checks; it is never served as data. */
public class CorruptionException extends StorageException {
    public CorruptionException(String message) {
        super(message);
    }
}
