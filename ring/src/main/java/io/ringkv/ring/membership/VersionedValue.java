package io.ringkv.ring.membership;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One application state value and the version its owner stamped on it, from the owner's single
 * counter (shared with its heartbeat), so "newer" is a plain comparison within one generation.
 */
public record VersionedValue(String value, long version) {
    /** Longest value, in UTF-8 bytes: gossip carries short summaries, never data. */
    public static final int VALUE_BYTES_MAX = 1024;

    public VersionedValue {
        Objects.requireNonNull(value, "value");
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative: " + version);
        }
        if (value.length() > VALUE_BYTES_MAX || value.getBytes(StandardCharsets.UTF_8).length > VALUE_BYTES_MAX) {
            throw new IllegalArgumentException("value longer than " + VALUE_BYTES_MAX + " bytes");
        }
    }
}
