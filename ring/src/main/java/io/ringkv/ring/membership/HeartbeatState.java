package io.ringkv.ring.membership;

/**
 * A node's heartbeat: its generation (startup time in seconds, strictly increasing across
 * restarts) and the latest version of its counter. (generation, version) orders everything a
 * node says about itself: a higher generation replaces all older state.
 */
public record HeartbeatState(long generation, long version) implements Comparable<HeartbeatState> {
    public HeartbeatState {
        if (generation < 0 || version < 0) {
            throw new IllegalArgumentException("generation and version must not be negative: " + generation + ", " + version);
        }
    }

    @Override
    public int compareTo(HeartbeatState o) {
        int c = Long.compare(generation, o.generation);
        return c != 0 ? c : Long.compare(version, o.version);
    }
}
