package io.ringkv.ring;

/**
 * The stable identity of a physical node (from config, e.g. "n1"). Ordered by its text so
 * that ties (last-writer-wins, ring claims) break the same way on every node.
 */
public record NodeId(String id) implements Comparable<NodeId> {
    public static final int MAX_LENGTH = 64;

    public NodeId {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("node id must be 1.." + MAX_LENGTH + " characters: " + id);
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.') || c > 127) {
                throw new IllegalArgumentException("node id may hold only ASCII letters, digits, '-', '_', '.': " + id);
            }
        }
    }

    @Override
    public int compareTo(NodeId o) {
        return id.compareTo(o.id);
    }

    @Override
    public String toString() {
        return id;
    }
}
