package io.ringkv.ring.membership;

/** The lifecycle status a node gossips in {@link ApplicationState#STATUS}. */
public enum NodeStatus {
    /** Claiming partitions and streaming their data; not yet serving them. */
    JOINING("joining"),
    /** A full member. */
    NORMAL("normal"),
    /** Decommissioning: streaming its partitions away. */
    LEAVING("leaving"),
    /** Decommissioned: gone by its own choice; remembered for a while, then forgotten. */
    LEFT("left"),
    /** Taken out by an operator while dead ({@code RING REMOVE}); forgotten like LEFT. */
    REMOVED("removed");

    private final String text;

    NodeStatus(String text) {
        this.text = text;
    }

    /** The gossiped value. */
    public String text() {
        return text;
    }

    /** Whether the node is out of the cluster for good (only the forgetting is left). */
    public boolean isGone() {
        return this == LEFT || this == REMOVED;
    }

    /** The status with this text, or null for an unknown one (a newer peer's status). */
    public static NodeStatus parse(String text) {
        for (NodeStatus s : values()) {
            if (s.text.equals(text)) {
                return s;
            }
        }
        return null;
    }
}
