package io.ringkv.ring;

/**
 * How many replicas must answer a read or acknowledge a write (Cassandra's names). ANY is for
 * writes only: a stored hint counts.
 */
public enum ConsistencyLevel {
    ANY, ONE, TWO, THREE, QUORUM, ALL;

    /** Replicas needed out of a preference list of {@code n} nodes. */
    public int required(int n) {
        return switch (this) {
            case ANY, ONE -> 1;
            case TWO -> 2;
            case THREE -> 3;
            case QUORUM -> n / 2 + 1;
            case ALL -> n;
        };
    }

    /** Parses a level name, ignoring case; null when unknown. */
    public static ConsistencyLevel parse(String s) {
        for (ConsistencyLevel l : values()) {
            if (l.name().equalsIgnoreCase(s)) {
                return l;
            }
        }
        return null;
    }
}
