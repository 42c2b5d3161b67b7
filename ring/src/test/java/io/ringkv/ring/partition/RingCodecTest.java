package io.ringkv.ring.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ringkv.common.ByteSink;
import io.ringkv.ring.NodeId;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingCodecTest {
    @Test
    void roundTripsRingsOfManyShapes() {
        for (int members : new int[] {1, 2, 5, 64}) {
            for (int partitions : new int[] {1, 16, 256}) {
                RingSnapshot ring = RingSnapshot.initial(Rings.members(members, 1, 2, 3), partitions, 3).withMembers(Rings.members(members + 1, 2, 1));
                RingSnapshot back = RingCodec.decode(RingCodec.encode(ring));
                assertEquals(ring, back);
                assertEquals(ring.members(), back.members(), "hosts, ports and weights survive");
            }
        }
    }

    @Test
    void roundTripsRingsInTransition() {
        RingSnapshot ring = RingSnapshot.initial(Rings.members(5), 64, 3);
        List<Member> six = Rings.members(6);
        RingSnapshot joining = RingTransitions.join(ring, six.get(5));
        RingSnapshot leaving = RingTransitions.leave(ring, ring.members().get(2).id());
        RingSnapshot replacing = RingTransitions.replace(ring, ring.members().get(1).id(), six.get(5));
        for (RingSnapshot r : List.of(joining, leaving, replacing)) {
            RingSnapshot back = RingCodec.decode(RingCodec.encode(r));
            assertEquals(r, back);
            assertEquals(r.hashCode(), back.hashCode());
            assertEquals(RingTransitions.commit(r), RingTransitions.commit(back));
            byte[] enc = RingCodec.encode(r);
            for (int cut = 0; cut < enc.length; cut++) {
                byte[] part = Arrays.copyOf(enc, cut);
                assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(part));
            }
        }
    }

    @Test
    void theContentHashIsStableAndTellsRingsApart() {
        RingSnapshot a = RingSnapshot.initial(Rings.members(5), 64, 3);
        RingSnapshot b = RingSnapshot.initial(Rings.members(6), 64, 3);
        assertEquals(RingCodec.contentHash(RingCodec.encode(a)), RingCodec.contentHash(RingCodec.encode(RingSnapshot.initial(Rings.members(5), 64, 3))));
        assertNotEquals(RingCodec.contentHash(RingCodec.encode(a)), RingCodec.contentHash(RingCodec.encode(b)));
    }

    @Test
    void everyTruncationAndTrailingGarbageIsRejected() {
        byte[] bytes = RingCodec.encode(RingSnapshot.initial(Rings.members(4), 16, 3));
        for (int len = 0; len < bytes.length; len++) {
            byte[] cut = Arrays.copyOf(bytes, len);
            assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(cut), "length " + len);
        }
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(Arrays.copyOf(bytes, bytes.length + 1)));
    }

    @Test
    void malformedFieldsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(header(2, 0).toByteArray()), "format");
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(header(1, 1).toByteArray()), "unknown flag");
        // Replication factor 0, too many members.
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(header(1, 0).writeVarLong(1).writeVarLong(0).writeVarLong(1).toByteArray()));
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(header(1, 0).writeVarLong(1).writeVarLong(3).writeVarLong(RingCodec.MEMBERS_MAX + 1).toByteArray()));
        // Bad member fields: id, port, weight.
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(oneMember("a b", 1, 1, 1).writeVarLong(1).writeVarLong(0).toByteArray()));
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(oneMember("a", 70000, 1, 1).writeVarLong(1).writeVarLong(0).toByteArray()));
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(oneMember("a", 1, 1, 0).writeVarLong(1).writeVarLong(0).toByteArray()));
        // Partition count not a power of two; owner index out of range.
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(oneMember("a", 1, 1, 1).writeVarLong(3).writeVarLong(0).writeVarLong(0).writeVarLong(0).toByteArray()));
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(oneMember("a", 1, 1, 1).writeVarLong(1).writeVarLong(1).toByteArray()));
        // The well-formed one-member ring decodes.
        assertEquals(1, RingCodec.decode(oneMember("a", 1, 1, 1).writeVarLong(1).writeVarLong(0).toByteArray()).members().size());
    }

    @Test
    void membersOutOfOrderOrDuplicatedAreRejected() {
        ByteSink out = header(1, 0).writeVarLong(1).writeVarLong(1).writeVarLong(2);
        member(out, "b", 1, 1, 1);
        member(out, "a", 1, 1, 1);
        out.writeVarLong(1).writeVarLong(0);
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(out.toByteArray()));
        ByteSink dup = header(1, 0).writeVarLong(1).writeVarLong(1).writeVarLong(2);
        member(dup, "a", 1, 1, 1);
        member(dup, "a", 1, 1, 1);
        dup.writeVarLong(1).writeVarLong(0);
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(dup.toByteArray()));
    }

    @Test
    void oversizedInputIsRejectedBeforeParsing() {
        assertThrows(IllegalArgumentException.class, () -> RingCodec.decode(new byte[RingCodec.ENCODED_BYTES_MAX + 1]));
    }

    @Test
    void encodingRefusesAnOverlongHost() {
        Member m = new Member(new NodeId("a"), "h".repeat(RingCodec.HOST_BYTES_MAX + 1), 1, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> RingCodec.encode(RingSnapshot.initial(List.of(m), 4, 1)));
    }

    private static ByteSink header(int format, int flags) {
        return new ByteSink(32).writeByte(format).writeByte(flags).writeVarLong(7);
    }

    private static ByteSink oneMember(String id, int clientPort, int clusterPort, int weight) {
        ByteSink out = header(1, 0).writeVarLong(1).writeVarLong(1);
        return member(out, id, clientPort, clusterPort, weight);
    }

    private static ByteSink member(ByteSink out, String id, int clientPort, int clusterPort, int weight) {
        return out.writeLengthPrefixed(id.getBytes()).writeLengthPrefixed("h".getBytes())
                .writeVarLong(clientPort).writeVarLong(clusterPort).writeVarLong(weight);
    }
}
