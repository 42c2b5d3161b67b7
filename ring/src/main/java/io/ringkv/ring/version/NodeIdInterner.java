package io.ringkv.ring.version;

import io.ringkv.ring.NodeId;
import java.util.Arrays;

/**
 * A bounded cache of the node ids met while decoding version vectors, keyed by their encoded
 * bytes, so that a decode hands back an already validated {@link NodeId} instead of building a
 * {@code char[]}, a {@code String} and a new id for every clock entry of every decode (the
 * largest allocation site on the replica read path).
 *
 * <p>A cluster names few nodes (its members, times a dot epoch per disk), so the cache rarely
 * grows after start-up. It holds at most {@code entriesMax} ids; past that, ids it does not
 * hold are built as before and not cached, so a stream of distinct ids (corrupt or hostile
 * input, a very long history of disk epochs) costs the uncached path, never unbounded memory.
 *
 * <p>Thread-safe. Look-ups are lock-free reads of an immutable open-addressing table published
 * through a volatile field; an insertion copies the table under the instance's lock. Copying is
 * fine because insertions are bounded by {@code entriesMax} over the cache's whole life and
 * almost all of them happen in the first decodes. One instance is owned per node (see
 * {@code ReplicaStore}); none is shared through static state.
 */
public final class NodeIdInterner {
    /** The smallest table; a power of two, like every table size. */
    private static final int TABLE_SLOTS_MIN = 16;

    private final int entriesMax;
    /** Open addressing, linear probing, at most half full; replaced, never modified, once published. */
    private volatile Entry[] table = new Entry[TABLE_SLOTS_MIN];
    /** Guarded by {@code this}. */
    private int entries;

    /** An id and its encoded (ASCII) bytes, the lookup key. */
    private record Entry(byte[] ascii, int hash, NodeId id) {}

    /** @param entriesMax how many distinct ids to keep at most; at least 1 */
    public NodeIdInterner(int entriesMax) {
        if (entriesMax < 1) {
            throw new IllegalArgumentException("entriesMax must be positive: " + entriesMax);
        }
        this.entriesMax = entriesMax;
    }

    /** The number of ids held; never more than the bound given at construction. */
    public synchronized int size() {
        return entries;
    }

    /**
     * The node id whose ASCII form is {@code bytes[start, start + length)}: equal to what
     * {@link #decodeUncached} returns, and failing the same way on invalid bytes (only ids that
     * passed {@link NodeId}'s validation are ever cached, so a hit needs no check).
     *
     * @throws IllegalArgumentException when the bytes are not a valid node id
     */
    public NodeId intern(byte[] bytes, int start, int length) {
        int hash = hash(bytes, start, length);
        Entry[] t = table;
        int mask = t.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            Entry e = t[i];
            if (e == null) {
                break;
            }
            if (e.hash == hash && Arrays.equals(e.ascii, 0, e.ascii.length, bytes, start, start + length)) {
                return e.id;
            }
        }
        NodeId id = decodeUncached(bytes, start, length);
        add(new Entry(Arrays.copyOfRange(bytes, start, start + length), hash, id));
        return id;
    }

    private synchronized void add(Entry entry) {
        if (entries >= entriesMax) {
            return;
        }
        Entry[] t = table;
        // Another thread may have added the same id since our look-up missed.
        int mask = t.length - 1;
        int slot = entry.hash & mask;
        for (; t[slot] != null; slot = (slot + 1) & mask) {
            if (t[slot].hash == entry.hash && Arrays.equals(t[slot].ascii, entry.ascii)) {
                return;
            }
        }
        int slots = t.length;
        while (2 * (entries + 1) > slots) {
            slots *= 2;
        }
        Entry[] next = new Entry[slots];
        int nextMask = slots - 1;
        for (Entry e : t) {
            if (e != null) {
                place(next, nextMask, e);
            }
        }
        place(next, nextMask, entry);
        entries++;
        table = next; // publishes the fully built table
    }

    private static void place(Entry[] t, int mask, Entry e) {
        int i = e.hash & mask;
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        t[i] = e;
    }

    private static int hash(byte[] bytes, int start, int length) {
        int h = 1;
        for (int i = start; i < start + length; i++) {
            h = 31 * h + bytes[i];
        }
        // Spread the high bits into the low ones the mask keeps, as HashMap does.
        return h ^ (h >>> 16);
    }

    /**
     * Builds the id from its ASCII bytes without the cache, validating it: the decode path used
     * when no cache is given or the cache is full.
     *
     * @throws IllegalArgumentException when the bytes are not a valid node id
     */
    static NodeId decodeUncached(byte[] bytes, int start, int length) {
        char[] chars = new char[length];
        for (int k = 0; k < length; k++) {
            // Bytes >= 0x80 become chars > 127, which NodeId rejects: ids stay ASCII.
            chars[k] = (char) (bytes[start + k] & 0xFF);
        }
        return new NodeId(new String(chars)); // validates the characters
    }
}
