package io.ringkv.ring;

/**
 * What a read-modify-write decided for one key: leave it, replace it, or delete it, and the
 * reply to give the client.
 */
public record Change<R>(Action action, Record record, R reply) {
    public enum Action { KEEP, PUT, DELETE }

    public static <R> Change<R> keep(R reply) {
        return new Change<>(Action.KEEP, null, reply);
    }

    public static <R> Change<R> put(Record record, R reply) {
        return new Change<>(Action.PUT, record, reply);
    }

    public static <R> Change<R> delete(R reply) {
        return new Change<>(Action.DELETE, null, reply);
    }
}
