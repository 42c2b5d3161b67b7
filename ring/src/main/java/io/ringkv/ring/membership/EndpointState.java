package io.ringkv.ring.membership;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything known about one node through gossip: its heartbeat and its application states,
 * each stamped with a version from the node's own counter. Immutable; merging gives a new
 * object, so a state can be read without locks once published.
 *
 * <p>Merge rule (Cassandra's): a higher generation replaces everything (the node restarted and
 * its old states mean nothing); a lower generation is ignored; within one generation each
 * value, and the heartbeat, keeps the higher version. Stale state never overrides newer.
 */
public final class EndpointState {
    /** Most application states one node may gossip: bounds memory and message size. */
    public static final int APPLICATION_STATES_MAX = 32;

    private final HeartbeatState heartbeat;
    private final SortedMap<ApplicationState, VersionedValue> states;
    private final long maxVersion;

    public EndpointState(HeartbeatState heartbeat, Map<ApplicationState, VersionedValue> states) {
        this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
        if (states.size() > APPLICATION_STATES_MAX) {
            throw new IllegalArgumentException("more than " + APPLICATION_STATES_MAX + " application states: " + states.size());
        }
        this.states = Collections.unmodifiableSortedMap(new TreeMap<>(states));
        long max = heartbeat.version();
        for (VersionedValue v : this.states.values()) {
            max = Math.max(max, v.version());
        }
        this.maxVersion = max;
    }

    public static EndpointState of(long generation, long heartbeatVersion) {
        return new EndpointState(new HeartbeatState(generation, heartbeatVersion), Map.of());
    }

    public HeartbeatState heartbeat() {
        return heartbeat;
    }

    public long generation() {
        return heartbeat.generation();
    }

    /** The highest version anywhere in this state (what a digest carries). */
    public long maxVersion() {
        return maxVersion;
    }

    /** Application states, ordered by name. */
    public SortedMap<ApplicationState, VersionedValue> states() {
        return states;
    }

    public VersionedValue get(ApplicationState state) {
        return states.get(state);
    }

    /** The status the node gossips, or null if none (yet) or unknown to this version. */
    public NodeStatus status() {
        VersionedValue v = states.get(ApplicationState.STATUS);
        return v == null ? null : NodeStatus.parse(v.value());
    }

    /** This state with the heartbeat at {@code version}. */
    public EndpointState withHeartbeatVersion(long version) {
        return new EndpointState(new HeartbeatState(heartbeat.generation(), version), states);
    }

    /** This state with {@code state} set to {@code value}. */
    public EndpointState with(ApplicationState state, VersionedValue value) {
        TreeMap<ApplicationState, VersionedValue> next = new TreeMap<>(states);
        next.put(state, value);
        return new EndpointState(heartbeat, next);
    }

    /**
     * The part of this state a peer that has seen up to {@code version} (same generation)
     * lacks: the heartbeat and the values newer than {@code version}.
     */
    public EndpointState newerThan(long version) {
        if (version <= 0) {
            return this;
        }
        TreeMap<ApplicationState, VersionedValue> newer = new TreeMap<>();
        for (Map.Entry<ApplicationState, VersionedValue> e : states.entrySet()) {
            if (e.getValue().version() > version) {
                newer.put(e.getKey(), e.getValue());
            }
        }
        return newer.size() == states.size() ? this : new EndpointState(heartbeat, newer);
    }

    /**
     * {@code local} merged with what a peer said, {@code remote} (possibly a partial state, see
     * {@link #newerThan}). Returns {@code local} itself when the remote adds nothing, so callers
     * detect "no change" by identity. A null local takes the remote as is.
     */
    public static EndpointState merge(EndpointState local, EndpointState remote) {
        if (local == null) {
            return remote;
        }
        if (remote.generation() > local.generation()) {
            return remote;
        }
        if (remote.generation() < local.generation()) {
            return local;
        }
        boolean changed = remote.heartbeat.version() > local.heartbeat.version();
        TreeMap<ApplicationState, VersionedValue> merged = null;
        for (Map.Entry<ApplicationState, VersionedValue> e : remote.states.entrySet()) {
            VersionedValue mine = local.states.get(e.getKey());
            if (mine == null || e.getValue().version() > mine.version()) {
                if (merged == null) {
                    merged = new TreeMap<>(local.states);
                }
                merged.put(e.getKey(), e.getValue());
            }
        }
        if (!changed && merged == null) {
            return local;
        }
        HeartbeatState hb = changed ? remote.heartbeat : local.heartbeat;
        if (merged != null && merged.size() > APPLICATION_STATES_MAX) {
            throw new IllegalArgumentException("merged state holds more than " + APPLICATION_STATES_MAX + " application states");
        }
        return new EndpointState(hb, merged == null ? local.states : merged);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EndpointState other && heartbeat.equals(other.heartbeat) && states.equals(other.states);
    }

    @Override
    public int hashCode() {
        return heartbeat.hashCode() * 31 + states.hashCode();
    }

    @Override
    public String toString() {
        return "EndpointState{" + heartbeat + ", " + states + "}";
    }
}
