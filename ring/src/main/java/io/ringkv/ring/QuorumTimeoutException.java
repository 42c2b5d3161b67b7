package io.ringkv.ring;

/**
 * Not enough replicas answered in time. For a write, some replicas may have applied it; it
 * spreads by repair (Cassandra's semantics).
 */
public final class QuorumTimeoutException extends RuntimeException {
    public QuorumTimeoutException(ConsistencyLevel level, String operation, int needed, int received) {
        super(level + " " + operation + " timed out: needed " + needed + " acknowledgement" + (needed == 1 ? "" : "s") + ", received " + received);
    }
}
