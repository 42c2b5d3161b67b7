package io.ringkv.ring;

import java.util.List;

/** An atomic read-modify-write over several keys of one partition (MSETNX, RENAME). */
@FunctionalInterface
public interface MultiKeyUpdate<R> {
    /** One change per key, in the order of {@code current}; the result's reply is the client's. */
    Result<R> apply(List<Record> current, long nowMillis);

    record Result<R>(List<Change<Void>> changes, R reply) {}
}
