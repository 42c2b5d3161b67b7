package io.ringkv.ring.transport;

/**
 * The kinds of inter-node message. Codes are on the wire: never renumber, only add.
 */
public enum Verb {
    /** Liveness probe; empty payload, empty reply. */
    PING(1),
    /** Client requests forwarded to the node that coordinates their keys (opaque to the ring). */
    FORWARD(2),
    /** Read a key's sibling set from a replica. */
    REPLICA_READ(3),
    /** Merge a sibling set into a replica. */
    REPLICA_WRITE(4),
    /** A page of a partition's keys (SCAN, KEYS). */
    SCAN_PAGE(5),
    /** Drop all data (FLUSHALL) and remember when. */
    FLUSH(6),
    /** Node statistics (key counts per partition, for DBSIZE; random key). */
    NODE_STATS(7),
    RANDOM_KEY(8),
    /** Gossip round opening: digests of every known node and the ring digest (see {@code Gossiper}). */
    GOSSIP_SYN(9),
    /**
     * Reserved for a gossip ACK sent as its own message; today the ACK travels as the reply to
     * {@link #GOSSIP_SYN} and no handler is registered for this verb.
     */
    GOSSIP_ACK(10),
    /** Gossip round closing: the states the responder asked for; empty reply. */
    GOSSIP_ACK2(11),
    /**
     * Store a hint for a replica that is down (sloppy quorum): payload {@code len(target) ||
     * target (ASCII node id) || len(key) || key || len(set) || encoded sibling set}; reply one
     * byte, 1 = stored durably, 0 = dropped (target down longer than the hint window, or over
     * its hint byte bound).
     */
    HINT_WRITE(12),
    /** Anti-entropy: hashes of a partition's tree nodes (root, branches, or leaves of some branches). */
    REPAIR_TREE(13),
    /** Anti-entropy: (key, version digest) of the keys in some leaves of a partition's tree. */
    REPAIR_KEYS(14),
    /** Anti-entropy: the sibling sets of some keys. */
    REPAIR_FETCH(15),
    /**
     * A page of a partition's stored sibling sets (tombstones and expired versions included),
     * in token order, for a node streaming the partition in (join, leave, remove, replace).
     */
    STREAM_PAGE(16);

    private final int code;

    Verb(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    private static final Verb[] BY_CODE;

    static {
        int max = 0;
        for (Verb v : values()) {
            max = Math.max(max, v.code);
        }
        BY_CODE = new Verb[max + 1];
        for (Verb v : values()) {
            BY_CODE[v.code] = v;
        }
    }

    /** The verb with this wire code, or null if unknown (a newer peer). */
    public static Verb ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
