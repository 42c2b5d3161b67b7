package io.ringkv.ring.membership;

import io.ringkv.common.ByteSink;
import io.ringkv.common.WireReader;
import io.ringkv.ring.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The three gossip messages and their wire form. Every message starts with a format byte; all
 * numbers are varints; node ids and state names are length-prefixed ASCII, values UTF-8.
 *
 * <pre>
 * SYN  (GOSSIP_SYN request):   format, digests, ring digest (varint version, u64 hash)
 * ACK  (GOSSIP_SYN reply):     format, states, requests (digests), ring section
 * ACK2 (GOSSIP_ACK2 request):  format, states, ring section      (reply: empty)
 *
 * digests:     varint n, n x (id, varint generation, varint max version)
 * states:      varint n, n x (id, varint generation, varint heartbeat version,
 *                             varint m, m x (name, value, varint version))
 * ring section: u8 flags (1 = an encoded ring follows, 2 = "send me your ring"),
 *               [bytes encoded ring]
 * </pre>
 *
 * Decoding checks every count and length against the limits here and the bytes left, and
 * fails with {@link IllegalArgumentException}.
 */
public final class GossipMessages {
    public static final int FORMAT = 1;
    /** Most digests or states in one message (a cluster larger than this gossips in parts). */
    public static final int ENTRIES_MAX = 10_000;
    static final int RING_INCLUDED = 1;
    static final int RING_WANTED = 2;

    private GossipMessages() {}

    /** The opening message: what the sender knows, by digest. */
    public record Syn(List<GossipDigest> digests, RingDigest ring) {}

    /** The reply: states the requester lacks, digests of what the responder wants, maybe the ring. */
    public record Ack(List<Map.Entry<NodeId, EndpointState>> states, List<GossipDigest> requests, byte[] ring, boolean ringWanted) {}

    /** The closing message: the states (and ring) the responder asked for. */
    public record Ack2(List<Map.Entry<NodeId, EndpointState>> states, byte[] ring) {}

    // ------------------------------------------------------------------ encoding

    public static byte[] encode(Syn syn) {
        ByteSink out = new ByteSink(16 + syn.digests().size() * 24);
        out.writeByte(FORMAT);
        writeDigests(out, syn.digests());
        out.writeVarLong(syn.ring().version());
        out.writeLong(syn.ring().contentHash());
        return out.toByteArray();
    }

    public static byte[] encode(Ack ack) {
        ByteSink out = new ByteSink(256);
        out.writeByte(FORMAT);
        writeStates(out, ack.states());
        writeDigests(out, ack.requests());
        writeRing(out, ack.ring(), ack.ringWanted());
        return out.toByteArray();
    }

    public static byte[] encode(Ack2 ack2) {
        ByteSink out = new ByteSink(256);
        out.writeByte(FORMAT);
        writeStates(out, ack2.states());
        writeRing(out, ack2.ring(), false);
        return out.toByteArray();
    }

    /** Bytes one digest takes on the wire. */
    static int digestSize(GossipDigest d) {
        return 1 + d.node().id().length() + varintSize(d.generation()) + varintSize(d.maxVersion());
    }

    /** Bytes one state takes on the wire. */
    static int stateSize(NodeId node, EndpointState s) {
        int n = 1 + node.id().length() + varintSize(s.generation()) + varintSize(s.heartbeat().version()) + 1;
        for (Map.Entry<ApplicationState, VersionedValue> e : s.states().entrySet()) {
            n += 1 + e.getKey().name().length() + 2 + utf8Length(e.getValue().value()) + varintSize(e.getValue().version());
        }
        return n;
    }

    /** UTF-8 length without encoding; an unpaired surrogate counts 3 (the encoder writes 1): never an undercount. */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static void writeDigests(ByteSink out, List<GossipDigest> digests) {
        out.writeVarLong(digests.size());
        for (GossipDigest d : digests) {
            writeId(out, d.node());
            out.writeVarLong(d.generation());
            out.writeVarLong(d.maxVersion());
        }
    }

    private static void writeStates(ByteSink out, List<Map.Entry<NodeId, EndpointState>> states) {
        out.writeVarLong(states.size());
        for (Map.Entry<NodeId, EndpointState> e : states) {
            writeId(out, e.getKey());
            EndpointState s = e.getValue();
            out.writeVarLong(s.generation());
            out.writeVarLong(s.heartbeat().version());
            out.writeVarLong(s.states().size());
            for (Map.Entry<ApplicationState, VersionedValue> v : s.states().entrySet()) {
                out.writeLengthPrefixed(v.getKey().name().getBytes(StandardCharsets.US_ASCII));
                out.writeLengthPrefixed(v.getValue().value().getBytes(StandardCharsets.UTF_8));
                out.writeVarLong(v.getValue().version());
            }
        }
    }

    private static void writeRing(ByteSink out, byte[] ring, boolean wanted) {
        out.writeByte((ring != null ? RING_INCLUDED : 0) | (wanted ? RING_WANTED : 0));
        if (ring != null) {
            out.writeLengthPrefixed(ring);
        }
    }

    private static void writeId(ByteSink out, NodeId id) {
        out.writeLengthPrefixed(id.id().getBytes(StandardCharsets.US_ASCII));
    }

    // ------------------------------------------------------------------ decoding

    public static Syn decodeSyn(byte[] bytes) {
        WireReader in = open(bytes);
        List<GossipDigest> digests = readDigests(in);
        RingDigest ring = new RingDigest(nonNegative(in.varint()), in.u64());
        in.expectEnd();
        return new Syn(digests, ring);
    }

    public static Ack decodeAck(byte[] bytes) {
        WireReader in = open(bytes);
        List<Map.Entry<NodeId, EndpointState>> states = readStates(in);
        List<GossipDigest> requests = readDigests(in);
        int flags = in.u8();
        checkRingFlags(flags);
        byte[] ring = (flags & RING_INCLUDED) != 0 ? in.bytes() : null;
        in.expectEnd();
        return new Ack(states, requests, ring, (flags & RING_WANTED) != 0);
    }

    public static Ack2 decodeAck2(byte[] bytes) {
        WireReader in = open(bytes);
        List<Map.Entry<NodeId, EndpointState>> states = readStates(in);
        int flags = in.u8();
        checkRingFlags(flags);
        if ((flags & RING_WANTED) != 0) {
            throw new IllegalArgumentException("ACK2 cannot ask for a ring");
        }
        byte[] ring = (flags & RING_INCLUDED) != 0 ? in.bytes() : null;
        in.expectEnd();
        return new Ack2(states, ring);
    }

    private static void checkRingFlags(int flags) {
        if ((flags & ~(RING_INCLUDED | RING_WANTED)) != 0) {
            throw new IllegalArgumentException("unknown ring section flags 0x" + Integer.toHexString(flags));
        }
    }

    private static WireReader open(byte[] bytes) {
        WireReader in = new WireReader(bytes);
        int format = in.u8();
        if (format != FORMAT) {
            throw new IllegalArgumentException("unknown gossip message format " + format);
        }
        return in;
    }

    private static List<GossipDigest> readDigests(WireReader in) {
        int n = in.length(ENTRIES_MAX);
        List<GossipDigest> digests = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            digests.add(new GossipDigest(readId(in), nonNegative(in.varint()), nonNegative(in.varint())));
        }
        return digests;
    }

    private static List<Map.Entry<NodeId, EndpointState>> readStates(WireReader in) {
        int n = in.length(ENTRIES_MAX);
        List<Map.Entry<NodeId, EndpointState>> states = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            NodeId node = readId(in);
            HeartbeatState hb = new HeartbeatState(nonNegative(in.varint()), nonNegative(in.varint()));
            int m = in.length(EndpointState.APPLICATION_STATES_MAX);
            TreeMap<ApplicationState, VersionedValue> values = new TreeMap<>();
            for (int j = 0; j < m; j++) {
                ApplicationState name = ApplicationState.of(ascii(in, ApplicationState.NAME_LENGTH_MAX));
                byte[] value = in.bytes();
                if (value.length > VersionedValue.VALUE_BYTES_MAX) {
                    throw new IllegalArgumentException("value of " + name + " longer than " + VersionedValue.VALUE_BYTES_MAX + " bytes");
                }
                if (values.put(name, new VersionedValue(new String(value, StandardCharsets.UTF_8), nonNegative(in.varint()))) != null) {
                    throw new IllegalArgumentException("application state " + name + " twice for " + node);
                }
            }
            states.add(Map.entry(node, new EndpointState(hb, values)));
        }
        return states;
    }

    private static NodeId readId(WireReader in) {
        return new NodeId(ascii(in, NodeId.MAX_LENGTH));
    }

    private static String ascii(WireReader in, int max) {
        byte[] b = in.bytes();
        if (b.length > max) {
            throw new IllegalArgumentException("name of " + b.length + " bytes exceeds " + max);
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static long nonNegative(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative number on the wire: " + v);
        }
        return v;
    }
}
