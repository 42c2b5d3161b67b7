package io.ringkv.ring.membership;

import java.util.Objects;

/**
 * The name of one piece of state a node gossips about itself (Cassandra's ApplicationState).
 * The well-known names are constants; other subsystems add their own with {@link #of} (e.g.
 * "HINTS", "REPAIR", "STREAMING" summaries) without changing this class or the wire format:
 * names travel as short ASCII strings, and a node keeps (and passes on) names it does not know.
 */
public record ApplicationState(String name) implements Comparable<ApplicationState> {
    /** Longest name, in ASCII characters. */
    public static final int NAME_LENGTH_MAX = 32;

    /** {@link NodeStatus} text: joining, normal, leaving, left, removed. */
    public static final ApplicationState STATUS = new ApplicationState("STATUS");
    /** host:port where clients (RESP) reach the node. */
    public static final ApplicationState CLIENT_ADDRESS = new ApplicationState("CLIENT_ADDRESS");
    /** host:port of the node's inter-node transport. */
    public static final ApplicationState CLUSTER_ADDRESS = new ApplicationState("CLUSTER_ADDRESS");
    /** The node's claim weight (decimal). */
    public static final ApplicationState WEIGHT = new ApplicationState("WEIGHT");
    /** The storage/wire format version the node runs (decimal). */
    public static final ApplicationState FORMAT_VERSION = new ApplicationState("FORMAT_VERSION");

    public ApplicationState {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > NAME_LENGTH_MAX) {
            throw new IllegalArgumentException("application state name must be 1.." + NAME_LENGTH_MAX + " characters: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
                throw new IllegalArgumentException("application state name may hold only A-Z, 0-9, '_': " + name);
            }
        }
    }

    /** The state called {@code name} (upper-case ASCII letters, digits, '_'). */
    public static ApplicationState of(String name) {
        return new ApplicationState(name);
    }

    @Override
    public int compareTo(ApplicationState o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
