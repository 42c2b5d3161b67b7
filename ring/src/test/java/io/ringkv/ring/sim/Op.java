package io.ringkv.ring.sim;

import io.ringkv.ring.Consistency;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.VersionVector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client operation of the history: what was asked (immutable once issued) and what the
 * client saw (filled in when the reply came).
 *
 * <p>Every write carries a value unique to it, so the checker can tell which operation any
 * stored version came from: a value is a comma-separated list of tokens and its last token
 * names the operation that wrote it ({@code w12} a plain put by op 12, {@code c12} a causal
 * put, {@code u12} a read-modify-write append, which keeps the tokens it read before its own).
 */
final class Op {
    enum Kind {
        /** GET at the op's read level: the last-writer-wins view. */
        GET(false),
        /** CAUSAL.GET: every sibling and the context covering them. */
        CAUSAL_GET(false),
        /** SET: a blind write superseding what its coordinator has seen. */
        PUT(true),
        /** CAUSAL.SET with the context of an earlier CAUSAL.GET (or an empty one). */
        CAUSAL_PUT(true),
        /** CAUSAL.DEL: a tombstone superseding what the context covers. */
        CAUSAL_DELETE(true),
        /** A read-modify-write (APPEND-like): the current value plus this op's token. */
        APPEND(true),
        /** A read-modify-write that deletes the key (Change.delete), DEL-like. */
        DELETE(true),
        /**
         * A read-modify-write over several keys of one partition (updateAll, as MSETNX and
         * RENAME use it): appends this op's token to each, atomically.
         */
        APPEND_ALL(true);

        final boolean write;

        Kind(boolean write) {
            this.write = write;
        }
    }

    /** How the operation ended, as the client saw it. */
    enum Status {
        PENDING,
        /** Acknowledged. */
        OK,
        /** Refused with UnavailableException: nothing was written. */
        UNAVAILABLE,
        /** Failed otherwise (timeout, lost connection): it may or may not have taken effect. */
        FAILED
    }

    final long id;
    final int client;
    final Kind kind;
    /** The first (or only) key: the one the operation is routed by. */
    final String key;
    /** Every key the operation touches (one partition: they share a hash tag). */
    final List<String> keys;
    final Consistency consistency;
    /** The context a causal write supersedes; null for other kinds. */
    final VersionVector context;
    /** The node the client sent the operation to. */
    final NodeId entry;
    final long startSequence;
    final long startMillis;

    Status status = Status.PENDING;
    long endSequence;
    long endMillis;
    String failure;
    /** GET's answer (null: absent). */
    Record record;
    /** CAUSAL.GET's answer, or the set a causal write returned. */
    Siblings siblings;
    /**
     * A read-modify-write's view of each key (the winner it read, null for absent), filled in
     * at its coordinator; valid when {@link #readSeen}.
     */
    final Map<String, Record> seen = new TreeMap<>();
    boolean readSeen;

    Op(long id, int client, Kind kind, List<String> keys, Consistency consistency, VersionVector context, NodeId entry,
            long startSequence, long startMillis) {
        this.id = id;
        this.client = client;
        this.kind = kind;
        this.keys = List.copyOf(keys);
        this.key = keys.get(0);
        this.consistency = consistency;
        this.context = context;
        this.entry = entry;
        this.startSequence = startSequence;
        this.startMillis = startMillis;
    }

    byte[] keyBytes() {
        return key.getBytes(StandardCharsets.US_ASCII);
    }

    List<byte[]> keyList() {
        List<byte[]> out = new ArrayList<>(keys.size());
        for (String k : keys) {
            out.add(k.getBytes(StandardCharsets.US_ASCII));
        }
        return out;
    }

    /** The token this write adds to a value. */
    String token() {
        return switch (kind) {
            case PUT -> "w" + id;
            case CAUSAL_PUT -> "c" + id;
            case APPEND, APPEND_ALL -> "u" + id;
            default -> throw new IllegalStateException(kind + " writes no value");
        };
    }

    boolean done() {
        return status != Status.PENDING;
    }

    /** The id of the operation that wrote {@code value}, from its last token; -1 if malformed. */
    static long writerOf(String value) {
        int comma = value.lastIndexOf(',');
        String last = value.substring(comma + 1);
        if (last.length() < 2 || "wcu".indexOf(last.charAt(0)) < 0) {
            return -1;
        }
        try {
            return Long.parseLong(last.substring(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String text(Record r) {
        return new String(r.payload(), StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "op#" + id + " " + kind + " " + String.join(",", keys) + " r=" + consistency.read() + " w=" + consistency.write()
                + (context != null ? " ctx=" + context : "") + " via " + entry;
    }
}
