package io.ringkv.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An ordered group of puts and deletes applied atomically by {@link StorageEngine#write}. */
public final class WriteBatch {
    /** One operation; {@code value == null} means delete. */
    public record Op(byte[] key, byte[] value) {
        public boolean isDelete() {
            return value == null;
        }
    }

    private final List<Op> ops = new ArrayList<>();
    private long approximateBytes;

    public WriteBatch put(byte[] key, byte[] value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("null key or value");
        }
        ops.add(new Op(key, value));
        approximateBytes += key.length + value.length + 16L;
        return this;
    }

    public WriteBatch delete(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("null key");
        }
        ops.add(new Op(key, null));
        approximateBytes += key.length + 16L;
        return this;
    }

    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    public int size() {
        return ops.size();
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    public long approximateBytes() {
        return approximateBytes;
    }
}
