package io.ringkv.ring.membership;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.common.ByteSink;
import io.ringkv.ring.NodeId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GossipMessagesTest {
    private static final NodeId A = new NodeId("a");
    private static final NodeId B = new NodeId("node-b");

    private static EndpointState sample() {
        TreeMap<ApplicationState, VersionedValue> m = new TreeMap<>();
        m.put(ApplicationState.STATUS, new VersionedValue("normal", 3));
        m.put(ApplicationState.CLUSTER_ADDRESS, new VersionedValue("10.0.0.1:16379", 1));
        m.put(ApplicationState.of("HINTS"), new VersionedValue("pending=3 \u00e9", 7));
        return new EndpointState(new HeartbeatState(1_700_000_000L, 300), m);
    }

    @Test
    void synRoundTrips() {
        GossipMessages.Syn syn = new GossipMessages.Syn(List.of(new GossipDigest(A, 5, 9), new GossipDigest(B, 1_700_000_000L, 1L << 40)),
                new RingDigest(12, -5L));
        assertEquals(syn, GossipMessages.decodeSyn(GossipMessages.encode(syn)));
    }

    @Test
    void ackRoundTripsWithStatesRequestsAndRing() {
        byte[] ring = {1, 2, 3};
        GossipMessages.Ack ack = new GossipMessages.Ack(List.of(Map.entry(A, sample())), List.of(new GossipDigest(B, 4, 0)), ring, false);
        GossipMessages.Ack back = GossipMessages.decodeAck(GossipMessages.encode(ack));
        assertEquals(ack.states(), back.states());
        assertEquals(ack.requests(), back.requests());
        assertArrayEquals(ring, back.ring());
        GossipMessages.Ack wanting = GossipMessages.decodeAck(GossipMessages.encode(new GossipMessages.Ack(List.of(), List.of(), null, true)));
        assertTrue(wanting.ringWanted());
        assertNull(wanting.ring());
    }

    @Test
    void ack2RoundTrips() {
        GossipMessages.Ack2 ack2 = new GossipMessages.Ack2(List.of(Map.entry(B, sample())), null);
        GossipMessages.Ack2 back = GossipMessages.decodeAck2(GossipMessages.encode(ack2));
        assertEquals(ack2.states(), back.states());
        assertNull(back.ring());
    }

    @Test
    void theSizeEstimateNeverUndercounts() {
        EndpointState s = sample();
        byte[] one = GossipMessages.encode(new GossipMessages.Ack2(List.of(Map.entry(B, s)), null));
        byte[] none = GossipMessages.encode(new GossipMessages.Ack2(List.of(), null));
        assertTrue(GossipMessages.stateSize(B, s) >= one.length - none.length);
        GossipDigest d = new GossipDigest(B, 1_700_000_000L, 1L << 40);
        byte[] withDigest = GossipMessages.encode(new GossipMessages.Syn(List.of(d), new RingDigest(0, 0)));
        byte[] without = GossipMessages.encode(new GossipMessages.Syn(List.of(), new RingDigest(0, 0)));
        assertTrue(GossipMessages.digestSize(d) >= withDigest.length - without.length);
    }

    @Test
    void everyTruncationOfAValidMessageIsRejected() {
        byte[] ack = GossipMessages.encode(new GossipMessages.Ack(List.of(Map.entry(A, sample())), List.of(new GossipDigest(B, 4, 0)), new byte[] {9}, true));
        for (int len = 0; len < ack.length; len++) {
            byte[] cut = Arrays.copyOf(ack, len);
            assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeAck(cut), "length " + len);
        }
        byte[] trailing = Arrays.copyOf(ack, ack.length + 1);
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeAck(trailing));
    }

    @Test
    void malformedFieldsAreRejected() {
        // Unknown format.
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeSyn(new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        // A digest count beyond the limit.
        ByteSink huge = new ByteSink(16).writeByte(GossipMessages.FORMAT).writeVarLong(GossipMessages.ENTRIES_MAX + 1);
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeSyn(huge.toByteArray()));
        // An invalid node id.
        ByteSink badId = new ByteSink(16).writeByte(GossipMessages.FORMAT).writeVarLong(1).writeLengthPrefixed("a b".getBytes())
                .writeVarLong(1).writeVarLong(1).writeVarLong(0).writeLong(0);
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeSyn(badId.toByteArray()));
        // Too many application states for one node.
        ByteSink many = new ByteSink(16).writeByte(GossipMessages.FORMAT).writeVarLong(1).writeLengthPrefixed("a".getBytes())
                .writeVarLong(1).writeVarLong(1).writeVarLong(EndpointState.APPLICATION_STATES_MAX + 1);
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeAck2(many.toByteArray()));
        // A value over the size limit.
        ByteSink longValue = new ByteSink(16).writeByte(GossipMessages.FORMAT).writeVarLong(1).writeLengthPrefixed("a".getBytes())
                .writeVarLong(1).writeVarLong(1).writeVarLong(1).writeLengthPrefixed("STATUS".getBytes())
                .writeLengthPrefixed(new byte[VersionedValue.VALUE_BYTES_MAX + 1]).writeVarLong(1).writeVarLong(0).writeByte(0);
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeAck2(longValue.toByteArray()));
        // Unknown ring flags; an ACK2 asking for a ring.
        ByteSink flags = new ByteSink(8).writeByte(GossipMessages.FORMAT).writeVarLong(0).writeByte(4);
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeAck2(flags.toByteArray()));
        ByteSink asks = new ByteSink(8).writeByte(GossipMessages.FORMAT).writeVarLong(0).writeByte(GossipMessages.RING_WANTED);
        assertThrows(IllegalArgumentException.class, () -> GossipMessages.decodeAck2(asks.toByteArray()));
    }
}
