package io.ringkv.ring.version;

import io.ringkv.ring.NodeId;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable version vector: for each node, the number of consecutive write events of that
 * node that have been seen (node absent = 0). The causal context of a key.
 *
 * <p>Held as two parallel arrays sorted by node id rather than a map: vectors have one entry per
 * coordinator that ever wrote the key (typically 1 to 5), so a linear merge of sorted arrays beats
 * any hashing or tree, and the sorted form is also the canonical one, giving a unique encoding
 * and cheap equality. Zero counters are never stored, so "absent" and "0" are one state.
 *
 * <p>Binary form ({@link #encode}): varint entry count, then per entry the node id length (one
 * byte) and its ASCII bytes, then the counter as an unsigned varint. Entries ascend by node id.
 */
public final class VersionVector {
    /** Decoding refuses vectors with more entries: one entry per node, and no cluster is this large. */
    public static final int ENTRIES_MAX = 1024;

    private static final VersionVector EMPTY = new VersionVector(new NodeId[0], new long[0]);

    private final NodeId[] nodes;
    private final long[] counters;

    /** Trusts its caller: {@code nodes} strictly ascending, every counter >= 1, arrays never shared. */
    private VersionVector(NodeId[] nodes, long[] counters) {
        if (nodes.length > ENTRIES_MAX) {
            // Unreachable in a real cluster; failing here beats writing a vector no node can decode.
            throw new IllegalArgumentException("version vector over " + ENTRIES_MAX + " entries");
        }
        this.nodes = nodes;
        this.counters = counters;
    }

    public static VersionVector empty() {
        return EMPTY;
    }

    public static VersionVector of(Map<NodeId, Long> entries) {
        TreeMap<NodeId, Long> sorted = new TreeMap<>();
        for (Map.Entry<NodeId, Long> e : entries.entrySet()) {
            NodeId node = e.getKey();
            Long boxed = e.getValue();
            if (node == null || boxed == null) {
                throw new IllegalArgumentException("null entry: " + node + "=" + boxed);
            }
            long counter = boxed;
            if (counter < 0) {
                throw new IllegalArgumentException("negative counter for " + node + ": " + counter);
            }
            if (counter > 0) {
                sorted.put(node, counter);
            }
        }
        if (sorted.isEmpty()) {
            return EMPTY;
        }
        NodeId[] n = new NodeId[sorted.size()];
        long[] c = new long[sorted.size()];
        int i = 0;
        for (Map.Entry<NodeId, Long> e : sorted.entrySet()) {
            n[i] = e.getKey();
            c[i] = e.getValue();
            i++;
        }
        return new VersionVector(n, c);
    }

    /** The counter for {@code node}, 0 if absent. */
    public long get(NodeId node) {
        int i = indexOf(node);
        return i < 0 ? 0 : counters[i];
    }

    /** This vector with {@code node}'s entry raised to at least {@code counter}. */
    public VersionVector with(NodeId node, long counter) {
        if (node == null) {
            throw new IllegalArgumentException("null node id");
        }
        if (counter < 0) {
            throw new IllegalArgumentException("negative counter for " + node + ": " + counter);
        }
        int i = indexOf(node);
        if (i >= 0) {
            if (counters[i] >= counter) {
                return this;
            }
            long[] c = counters.clone();
            c[i] = counter;
            return new VersionVector(nodes, c);
        }
        if (counter == 0) {
            return this;
        }
        int at = -i - 1;
        NodeId[] n = new NodeId[nodes.length + 1];
        long[] c = new long[nodes.length + 1];
        System.arraycopy(nodes, 0, n, 0, at);
        System.arraycopy(counters, 0, c, 0, at);
        n[at] = node;
        c[at] = counter;
        System.arraycopy(nodes, at, n, at + 1, nodes.length - at);
        System.arraycopy(counters, at, c, at + 1, nodes.length - at);
        return new VersionVector(n, c);
    }

    /** The pointwise maximum. */
    public VersionVector join(VersionVector other) {
        // Returning an operand when it already dominates is the common case on a coordinator (its
        // clock already holds the replicas' clocks) and saves the arrays.
        if (descends(other)) {
            return this;
        }
        if (other.descends(this)) {
            return other;
        }
        NodeId[] n = new NodeId[nodes.length + other.nodes.length];
        long[] c = new long[n.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < nodes.length || j < other.nodes.length) {
            int cmp = i == nodes.length ? 1 : j == other.nodes.length ? -1 : nodes[i].compareTo(other.nodes[j]);
            if (cmp < 0) {
                n[k] = nodes[i];
                c[k++] = counters[i++];
            } else if (cmp > 0) {
                n[k] = other.nodes[j];
                c[k++] = other.counters[j++];
            } else {
                n[k] = nodes[i];
                c[k++] = Math.max(counters[i++], other.counters[j++]);
            }
        }
        return new VersionVector(k == n.length ? n : Arrays.copyOf(n, k), k == c.length ? c : Arrays.copyOf(c, k));
    }

    /** True when {@code dot.counter() <= get(dot.node())}. */
    public boolean covers(Dot dot) {
        return dot.counter() <= get(dot.node());
    }

    /** True when every entry of {@code other} is <= this one's (this has seen all of other). */
    public boolean descends(VersionVector other) {
        if (other == this || other.nodes.length == 0) {
            return true;
        }
        if (other.nodes.length > nodes.length) {
            return false;
        }
        int i = 0;
        for (int j = 0; j < other.nodes.length; j++) {
            NodeId wanted = other.nodes[j];
            while (i < nodes.length && nodes[i].compareTo(wanted) < 0) {
                i++;
            }
            if (i == nodes.length || !nodes[i].equals(wanted) || counters[i] < other.counters[j]) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return nodes.length == 0;
    }

    /** The number of nodes with a non-zero counter. */
    public int size() {
        return nodes.length;
    }

    /** Entries ordered by node id. */
    public Map<NodeId, Long> entries() {
        SortedMap<NodeId, Long> map = new TreeMap<>();
        for (int i = 0; i < nodes.length; i++) {
            map.put(nodes[i], counters[i]);
        }
        return Collections.unmodifiableSortedMap(map);
    }

    /**
     * The {@code i}-th node in id order; the sibling codec refers to dot nodes by this index.
     * Public for digests that must walk the entries without allocating (anti-entropy trees).
     */
    public NodeId nodeAt(int i) {
        return nodes[i];
    }

    /** The counter of {@link #nodeAt}({@code i}). */
    public long counterAt(int i) {
        return counters[i];
    }

    /** The index of {@code node}, or (-(insertion point) - 1) as {@link Arrays#binarySearch}. */
    int indexOf(NodeId node) {
        return Arrays.binarySearch(nodes, node);
    }

    /** Compact binary form (see {@link #decode}). */
    public byte[] encode() {
        byte[] out = new byte[encodedSize()];
        encodeInto(out, 0);
        return out;
    }

    int encodedSize() {
        int size = ByteReader.varLongSize(nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            size += 1 + nodes[i].id().length() + ByteReader.varLongSize(counters[i]);
        }
        return size;
    }

    /** Writes the binary form at {@code offset}; returns the offset after it. */
    int encodeInto(byte[] out, int offset) {
        offset = ByteReader.putVarLong(out, offset, nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            String id = nodes[i].id();
            out[offset++] = (byte) id.length();
            for (int k = 0; k < id.length(); k++) {
                out[offset++] = (byte) id.charAt(k); // NodeId guarantees ASCII
            }
            offset = ByteReader.putVarLong(out, offset, counters[i]);
        }
        return offset;
    }

    /** @throws IllegalArgumentException when {@code bytes} is not an encoded vector */
    public static VersionVector decode(byte[] bytes) {
        ByteReader in = new ByteReader(bytes, 0);
        VersionVector v = decode(in, null);
        in.requireEnd();
        return v;
    }

    /**
     * Reads one vector at the reader's position, accepting only the canonical form that
     * {@link #encode} writes: ids valid and strictly ascending, counters >= 1. Node ids come
     * from {@code nodeIds} when given (null: each id is built afresh); the result is equal
     * either way.
     */
    static VersionVector decode(ByteReader in, NodeIdInterner nodeIds) {
        int count = in.readVarInt(ENTRIES_MAX, "entry count");
        if (count == 0) {
            return EMPTY;
        }
        // Each entry takes at least 3 bytes; checking first keeps a corrupt count from sizing arrays.
        in.require(3 * count);
        NodeId[] n = new NodeId[count];
        long[] c = new long[count];
        for (int i = 0; i < count; i++) {
            int length = in.readUnsignedByte();
            if (length == 0 || length > NodeId.MAX_LENGTH) {
                throw new IllegalArgumentException("node id length " + length + " at offset " + (in.position() - 1));
            }
            int start = in.position();
            in.skip(length);
            n[i] = nodeIds == null
                    ? NodeIdInterner.decodeUncached(in.bytes(), start, length)
                    : nodeIds.intern(in.bytes(), start, length);
            if (i > 0 && n[i - 1].compareTo(n[i]) >= 0) {
                throw new IllegalArgumentException("node ids not strictly ascending: " + n[i - 1] + ", " + n[i]);
            }
            c[i] = in.readVarLong();
            if (c[i] == 0) {
                throw new IllegalArgumentException("zero counter for " + n[i]);
            }
        }
        return new VersionVector(n, c);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionVector v && Arrays.equals(nodes, v.nodes) && Arrays.equals(counters, v.counters);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nodes) + Arrays.hashCode(counters);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < nodes.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(nodes[i]).append('=').append(counters[i]);
        }
        return sb.append('}').toString();
    }
}
