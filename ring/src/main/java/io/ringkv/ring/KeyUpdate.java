package io.ringkv.ring;

/** A read-modify-write on one key, run under that key's lock at its coordinator. */
@FunctionalInterface
public interface KeyUpdate<R> {
    /**
     * @param current the live record, or null if the key is absent or expired
     * @param nowMillis the coordinator's clock, for computing deadlines and timestamps
     */
    Change<R> apply(Record current, long nowMillis);
}
