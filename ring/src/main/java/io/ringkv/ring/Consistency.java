package io.ringkv.ring;

/** The read and write levels one command runs with. */
public record Consistency(ConsistencyLevel read, ConsistencyLevel write) {
    public Consistency {
        if (read == ConsistencyLevel.ANY) {
            throw new IllegalArgumentException("ANY is a write level only");
        }
    }
}
