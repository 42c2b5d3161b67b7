package io.ringkv.storage;

/** An expected storage failure: I/O error, corruption detected, or engine closed/failed. */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
