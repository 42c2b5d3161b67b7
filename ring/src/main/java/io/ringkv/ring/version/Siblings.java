package io.ringkv.ring.version;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The versions of one key as a dotted version vector set (Almeida et al., "Dotted Version
 * Vectors"): a causal context ({@link #clock()}) covering every write seen, and the concurrent
 * versions (siblings) still live, each tagged by the dot of its write. Pure and immutable.
 *
 * <p>The coordinator of a write calls {@link #update}; replicas receiving a sibling set call
 * {@link #merge}, which keeps what is concurrent and drops what is dominated. Both are
 * idempotent, commutative and associative where the theory says so (merge).
 *
 * <p>Invariants: every sibling's dot is covered by the clock, and siblings are held in strictly
 * ascending dot order (so no two share a dot). Siblings live in a plain array: the common key has
 * zero or one sibling and a clock of one to three entries, and every operation here is a linear
 * walk that allocates at most the result.
 *
 * <p>Binary form ({@link #encode}):
 *
 * <pre>
 *   format byte (2)
 *   clock                  as {@link VersionVector#encode}
 *   varint sibling count   at most {@link #SIBLINGS_MAX}
 *   per sibling, ascending by dot:
 *     varint index of the dot's node in the clock's entries
 *     varint dot counter   1..clock[node]
 *     varint record length, then the {@link Record#encoded()} bytes
 * </pre>
 *
 * The format byte is 2 so that it can never be mistaken for a bare {@link Record}, whose first
 * byte is {@link Record#FORMAT_VERSION} (1). Dot nodes are an index into the clock because the
 * clock must name every dot's node anyway, which saves repeating the id per sibling.
 */
public final class Siblings {
    public static final byte FORMAT_VERSION = 2;
    /** Decoding refuses sets with more siblings; writers cap far below this with {@link #capped}. */
    public static final int SIBLINGS_MAX = 4096;

    private static final Version[] NO_VERSIONS = new Version[0];
    private static final Siblings EMPTY = new Siblings(VersionVector.empty(), NO_VERSIONS);

    /** Oldest first: the order {@link #capped} drops in. */
    private static final Comparator<Version> BY_AGE = Comparator
            .comparingLong((Version v) -> v.record().timestampMillis())
            .thenComparing(Version::dot);

    private final VersionVector clock;
    private final Version[] versions;
    /** {@link #versions()}, built on first use; not part of the value (equals and hashCode ignore it). */
    private List<Version> versionsView;

    /** Trusts its caller to uphold the invariants; {@link #of} and {@link #decode} check them. */
    private Siblings(VersionVector clock, Version[] versions) {
        this.clock = clock;
        this.versions = versions;
    }

    public static Siblings empty() {
        return EMPTY;
    }

    /**
     * A set from its parts, checking the invariants (each dot covered by {@code clock}, dots
     * distinct). Used by a replica rewriting versions in place (expired values become
     * tombstones under the same dots) and dropping versions older than a flush.
     */
    public static Siblings of(VersionVector clock, List<Version> versions) {
        Version[] sorted = versions.toArray(NO_VERSIONS);
        Arrays.sort(sorted, Comparator.comparing(Version::dot));
        for (int i = 0; i < sorted.length; i++) {
            if (!clock.covers(sorted[i].dot())) {
                throw new IllegalArgumentException("dot " + sorted[i].dot() + " not covered by " + clock);
            }
            if (i > 0 && sorted[i - 1].dot().equals(sorted[i].dot())) {
                throw new IllegalArgumentException("two siblings with dot " + sorted[i].dot());
            }
        }
        return sorted.length == 0 && clock.isEmpty() ? EMPTY : new Siblings(clock, sorted);
    }

    /** The causal context: every write event this set has seen. */
    public VersionVector clock() {
        return clock;
    }

    /** The live siblings, ordered by dot (node id, then counter). */
    public List<Version> versions() {
        // A read-only view, not a copy: the array is never modified after construction. Built
        // once and kept: the write path asks for it several times per set (accounting, bounds,
        // repair digests). A benign race: threads that both miss build equal views, and the
        // view's own fields are final, so it is safely published.
        if (versions.length == 0) {
            return List.of(); // leaves shared empty sets (EMPTY) untouched
        }
        List<Version> view = versionsView;
        if (view == null) {
            view = Collections.unmodifiableList(Arrays.asList(versions));
            versionsView = view;
        }
        return view;
    }

    /** True when there are no siblings: the key was never written here (or all were purged). */
    public boolean isEmpty() {
        return versions.length == 0;
    }

    /** The number of siblings. */
    public int size() {
        return versions.length;
    }

    /**
     * A write coordinated by {@code coordinator} whose client had seen {@code context}: the new
     * version gets dot (coordinator, clock[coordinator] + 1); siblings whose dots
     * {@code context} covers are dropped, the others stay; the clock becomes
     * clock ⊔ context plus the new dot.
     *
     * <p>Precisely, the counter is max(clock[coordinator], context[coordinator]) + 1. The two
     * agree whenever the coordinator holds its own past writes, which it always does, because it
     * stores each write it coordinates; the max only matters if it lost them (a wiped disk) and
     * then keeps it from issuing a dot that names a different, older write elsewhere.
     */
    public Siblings update(NodeId coordinator, VersionVector context, Record value) {
        long last = Math.max(clock.get(coordinator), context.get(coordinator));
        if (last == Long.MAX_VALUE) {
            throw new IllegalStateException("dot counter of " + coordinator + " exhausted");
        }
        Version added = new Version(new Dot(coordinator, last + 1), value);
        VersionVector newClock = clock.join(context).with(coordinator, last + 1);

        int kept = 0;
        for (Version v : versions) {
            if (!context.covers(v.dot())) {
                kept++;
            }
        }
        Version[] out = new Version[kept + 1];
        int k = 0;
        boolean placed = false;
        for (Version v : versions) {
            if (context.covers(v.dot())) {
                continue;
            }
            // The new dot is beyond every dot of the coordinator in the clock, so never equal.
            if (!placed && added.dot().compareTo(v.dot()) < 0) {
                out[k++] = added;
                placed = true;
            }
            out[k++] = v;
        }
        if (!placed) {
            out[k] = added;
        }
        return new Siblings(newClock, out);
    }

    /**
     * Synchronises two replicas' sets: a sibling survives if it is in both, or if it is in one
     * and the other's clock does not cover its dot. The clock is the join.
     */
    public Siblings merge(Siblings other) {
        if (other == this) {
            return this;
        }
        VersionVector joined = clock.join(other.clock);
        Version[] a = versions;
        Version[] b = other.versions;
        Version[] out = new Version[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length || j < b.length) {
            int cmp = i == a.length ? 1 : j == b.length ? -1 : a[i].dot().compareTo(b[j].dot());
            if (cmp < 0) {
                Version v = a[i++];
                if (!other.clock.covers(v.dot())) {
                    out[k++] = v;
                }
            } else if (cmp > 0) {
                Version v = b[j++];
                if (!clock.covers(v.dot())) {
                    out[k++] = v;
                }
            } else {
                out[k++] = sameDot(a[i++], b[j++]);
            }
        }
        // Hand back an operand when nothing changed: a replica re-receiving what it holds (read
        // repair, anti-entropy) then learns it has nothing to write by an identity check.
        if (joined == clock && sameElements(out, k, a)) {
            return this;
        }
        if (joined == other.clock && sameElements(out, k, b)) {
            return other;
        }
        return new Siblings(joined, k == out.length ? out : Arrays.copyOf(out, k));
    }

    /**
     * True when {@code other.merge(this)} (and {@code this.merge(other)}) equals this set, so a
     * replica holding {@code other} that receives this set can store it as it is. This is the
     * common replication case, a coordinator sending the set it has just stored, and the check
     * is a walk over both sets that allocates nothing. It follows {@link #merge} rule by rule:
     *
     * <ul>
     *   <li>the joined clock is this clock exactly when this clock descends other's;
     *   <li>a sibling only in {@code other} is dropped exactly when this clock covers its dot;
     *   <li>a sibling only here survives exactly when other's clock does not cover its dot;
     *   <li>siblings sharing a dot resolve to this one's bytes when the bytes are identical
     *       ({@link #sameDot} may pick either otherwise, so that case answers false).
     * </ul>
     *
     * False means only that the shortcut does not apply: the caller then merges as usual.
     */
    public boolean subsumes(Siblings other) {
        if (!clock.descends(other.clock)) {
            return false;
        }
        Version[] mine = versions;
        Version[] theirs = other.versions;
        int i = 0;
        int j = 0;
        while (i < mine.length || j < theirs.length) {
            int cmp = i == mine.length ? 1 : j == theirs.length ? -1 : mine[i].dot().compareTo(theirs[j].dot());
            if (cmp < 0) {
                if (other.clock.covers(mine[i++].dot())) {
                    return false;
                }
            } else if (cmp > 0) {
                if (!clock.covers(theirs[j++].dot())) {
                    return false;
                }
            } else if (!Arrays.equals(mine[i++].record().encoded(), theirs[j++].record().encoded())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Two siblings with one dot are one write and hold the same bytes, with one legitimate
     * exception: a replica that reclaimed the value once it expired holds a tombstone under the
     * same dot (stamped with the value's write time). The tombstone must win, or merging with a replica
     * that has not reclaimed yet (repair, read repair) would bring the expired value back.
     * Should two versions differ otherwise (a node that lost its data reissuing a dot), pick by
     * content so that every replica picks the same one and merge stays commutative, instead of
     * failing the key forever.
     */
    private static Version sameDot(Version mine, Version theirs) {
        byte[] x = mine.record().encoded();
        byte[] y = theirs.record().encoded();
        if (x == y) {
            return mine;
        }
        boolean mineDead = mine.record().isTombstone();
        if (mineDead != theirs.record().isTombstone()) {
            return mineDead ? mine : theirs;
        }
        return Arrays.compareUnsigned(x, y) >= 0 ? mine : theirs;
    }

    private static boolean sameElements(Version[] out, int length, Version[] original) {
        if (length != original.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (out[i] != original[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The version plain Redis commands see: among siblings not expired at {@code nowMillis},
     * the highest timestamp, ties broken by dot (node id, then counter). Null when none. May be
     * a tombstone (the key then reads as absent).
     *
     * <p>Tie-break: on equal timestamps the greater dot wins, i.e. the greater node id (by
     * {@link NodeId#compareTo}, its text), then the greater counter. Dots are unique, so the
     * winner is the same on every replica holding the same set.
     */
    public Version winner(long nowMillis) {
        Version best = null;
        for (Version v : versions) {
            if (v.record().isExpired(nowMillis)) {
                continue;
            }
            if (best == null || isLater(v, best)) {
                best = v;
            }
        }
        return best;
    }

    private static boolean isLater(Version v, Version than) {
        int c = Long.compare(v.record().timestampMillis(), than.record().timestampMillis());
        return c != 0 ? c > 0 : v.dot().compareTo(than.dot()) > 0;
    }

    /**
     * This set with at most {@code max} siblings: the oldest (lowest timestamp, then dot) are
     * dropped, the clock kept, so they count as superseded.
     *
     * @throws IllegalArgumentException when {@code max < 1}: a set with a clock but no sibling
     *     would read as never written while still superseding writes
     */
    public Siblings capped(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("sibling cap must be at least 1: " + max);
        }
        if (versions.length <= max) {
            return this;
        }
        Version[] byAge = versions.clone();
        Arrays.sort(byAge, BY_AGE);
        Version[] kept = Arrays.copyOfRange(byAge, byAge.length - max, byAge.length);
        Arrays.sort(kept, Comparator.comparing(Version::dot));
        return new Siblings(clock, kept);
    }

    /** The binary form stored on disk and sent between nodes. */
    public byte[] encode() {
        int size = 1 + clock.encodedSize() + ByteReader.varLongSize(versions.length);
        for (Version v : versions) {
            int length = v.record().encoded().length;
            size += ByteReader.varLongSize(clock.indexOf(v.dot().node())) + ByteReader.varLongSize(v.dot().counter())
                    + ByteReader.varLongSize(length) + length;
        }
        byte[] out = new byte[size];
        out[0] = FORMAT_VERSION;
        int offset = clock.encodeInto(out, 1);
        offset = ByteReader.putVarLong(out, offset, versions.length);
        for (Version v : versions) {
            byte[] record = v.record().encoded();
            offset = ByteReader.putVarLong(out, offset, clock.indexOf(v.dot().node()));
            offset = ByteReader.putVarLong(out, offset, v.dot().counter());
            offset = ByteReader.putVarLong(out, offset, record.length);
            System.arraycopy(record, 0, out, offset, record.length);
            offset += record.length;
        }
        assert offset == size : offset + " != " + size;
        return out;
    }

    /** @throws IllegalArgumentException when {@code bytes} is not an encoded set */
    public static Siblings decode(byte[] bytes) {
        return decodeWith(bytes, null);
    }

    /**
     * As {@link #decode(byte[])}, taking the clock's node ids from {@code nodeIds} (a node's
     * decodes meet the same few ids over and over); the result is equal either way.
     *
     * @throws IllegalArgumentException when {@code bytes} is not an encoded set
     */
    public static Siblings decode(byte[] bytes, NodeIdInterner nodeIds) {
        if (nodeIds == null) {
            throw new IllegalArgumentException("null node id cache");
        }
        return decodeWith(bytes, nodeIds);
    }

    /** {@code nodeIds} null: every id is built afresh. */
    private static Siblings decodeWith(byte[] bytes, NodeIdInterner nodeIds) {
        ByteReader in = new ByteReader(bytes, 0);
        int format = in.readUnsignedByte();
        if (format != FORMAT_VERSION) {
            throw new IllegalArgumentException("not a sibling set: format byte " + format);
        }
        VersionVector clock = VersionVector.decode(in, nodeIds);
        int count = in.readVarInt(SIBLINGS_MAX, "sibling count");
        if (count == 0) {
            in.requireEnd();
            return clock.isEmpty() ? EMPTY : new Siblings(clock, NO_VERSIONS);
        }
        // Each sibling takes at least three varint bytes and a record header; checking first keeps
        // a corrupt count from sizing the array.
        in.require(count * (3 + Record.HEADER_BYTES));
        Version[] versions = new Version[count];
        for (int i = 0; i < count; i++) {
            long index = in.readVarLong();
            if (index >= clock.size()) {
                throw new IllegalArgumentException("dot node index " + index + " outside a clock of " + clock.size());
            }
            NodeId node = clock.nodeAt((int) index);
            long counter = in.readVarLong();
            if (counter == 0 || counter > clock.counterAt((int) index)) {
                throw new IllegalArgumentException("dot " + node + ":" + counter + " not covered by " + clock);
            }
            Dot dot = new Dot(node, counter);
            if (i > 0 && versions[i - 1].dot().compareTo(dot) >= 0) {
                throw new IllegalArgumentException("dots not strictly ascending: " + versions[i - 1].dot() + ", " + dot);
            }
            int length = in.readVarInt(Integer.MAX_VALUE, "record length");
            int start = in.position();
            in.skip(length);
            versions[i] = new Version(dot, Record.decode(Arrays.copyOfRange(bytes, start, start + length)));
        }
        in.requireEnd();
        return new Siblings(clock, versions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Siblings s && clock.equals(s.clock) && Arrays.equals(versions, s.versions);
    }

    @Override
    public int hashCode() {
        return 31 * clock.hashCode() + Arrays.hashCode(versions);
    }

    @Override
    public String toString() {
        return "Siblings{clock=" + clock + ", versions=" + Arrays.toString(versions) + "}";
    }
}
