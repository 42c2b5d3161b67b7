package io.ringkv.ring.partition;

import io.ringkv.common.ByteSink;
import io.ringkv.common.WireReader;
import io.ringkv.ring.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of a {@link RingSnapshot}, for gossip (and for persisting the ring later).
 *
 * <pre>
 * u8      format version (1)
 * u8      flags: which optional sections follow (none defined yet; unknown bits are rejected)
 * varint  ring version
 * varint  replication factor             1..{@value #REPLICATION_FACTOR_MAX}
 * varint  member count                   1..{@value #MEMBERS_MAX}
 *         per member, in id order:
 *           bytes  id (ASCII)            as {@link NodeId} allows
 *           bytes  host (UTF-8)          0..{@value #HOST_BYTES_MAX}
 *           varint client port, cluster port   0..65535
 *           varint weight                as {@link Member} allows
 * varint  partition count                a power of two, 1..{@value #PARTITIONS_MAX}
 *         per partition: varint owner as an index into the members
 * [optional sections named by flags, in flag-bit order]
 * </pre>
 *
 * A section added later (e.g. pending owners of a ring in transition) gets a flag bit and is
 * appended; an older node rejects a ring whose flags it does not know rather than silently
 * dropping what it cannot represent.
 *
 * <p>Decoding validates everything (bounds first, then what {@link RingSnapshot#of} checks)
 * and fails with {@link IllegalArgumentException} on any malformed or oversized input.
 */
public final class RingCodec {
    public static final int FORMAT_VERSION = 1;
    /**
     * Flag: the ring is in transition. Each member then carries a role byte (current, target
     * or both) and the pending owners follow the owners.
     */
    static final int FLAG_IN_TRANSITION = 1;
    private static final int ROLE_CURRENT = 1;
    private static final int ROLE_TARGET = 2;
    /** Flag bits understood by this version. */
    static final int KNOWN_FLAGS = FLAG_IN_TRANSITION;
    public static final int MEMBERS_MAX = 4096;
    public static final int PARTITIONS_MAX = 1 << 16;
    public static final int REPLICATION_FACTOR_MAX = 16;
    public static final int HOST_BYTES_MAX = 255;
    private static final int PORT_MAX = 65535;
    /** Largest encoding: every member and partition at its size limit. */
    public static final int ENCODED_BYTES_MAX = 2 + 10 + 1 + 3
            + MEMBERS_MAX * (1 + NodeId.MAX_LENGTH + 2 + HOST_BYTES_MAX + 3 + 3 + 2)
            + 3 + PARTITIONS_MAX * 2
            + MEMBERS_MAX + PARTITIONS_MAX * 2;

    private RingCodec() {}

    public static byte[] encode(RingSnapshot ring) {
        List<Member> members = ring.members();
        if (members.size() > MEMBERS_MAX || ring.partitionCount() > PARTITIONS_MAX
                || ring.replicationFactor() > REPLICATION_FACTOR_MAX) {
            throw new IllegalArgumentException("ring exceeds the codec's limits: " + ring);
        }
        ByteSink out = new ByteSink(64 + members.size() * 32 + ring.partitionCount() * 2);
        boolean transition = ring.isInTransition();
        out.writeByte(FORMAT_VERSION);
        out.writeByte(transition ? FLAG_IN_TRANSITION : 0);
        out.writeVarLong(ring.version());
        out.writeVarLong(ring.replicationFactor());
        out.writeVarLong(members.size());
        for (Member m : members) {
            out.writeLengthPrefixed(m.id().id().getBytes(StandardCharsets.US_ASCII));
            byte[] host = m.host() == null ? new byte[0] : m.host().getBytes(StandardCharsets.UTF_8);
            if (host.length > HOST_BYTES_MAX) {
                throw new IllegalArgumentException("host of " + m.id() + " longer than " + HOST_BYTES_MAX + " bytes");
            }
            out.writeLengthPrefixed(host);
            out.writeVarLong(checkPort(m.clientPort()));
            out.writeVarLong(checkPort(m.clusterPort()));
            out.writeVarLong(m.weight());
            if (transition) {
                out.writeByte((ring.isCurrentMember(m.id()) ? ROLE_CURRENT : 0) | (ring.isTargetMember(m.id()) ? ROLE_TARGET : 0));
            }
        }
        out.writeVarLong(ring.partitionCount());
        for (int p = 0; p < ring.partitionCount(); p++) {
            // Members are in id order in both the snapshot and the encoding.
            out.writeVarLong(indexOf(members, ring.owner(p)));
        }
        if (transition) {
            NodeId[] pending = ring.pendingOwners();
            for (NodeId owner : pending) {
                out.writeVarLong(indexOf(members, owner));
            }
        }
        return out.toByteArray();
    }

    public static RingSnapshot decode(byte[] bytes) {
        if (bytes.length > ENCODED_BYTES_MAX) {
            throw new IllegalArgumentException("encoded ring of " + bytes.length + " bytes exceeds " + ENCODED_BYTES_MAX);
        }
        WireReader in = new WireReader(bytes);
        int format = in.u8();
        if (format != FORMAT_VERSION) {
            throw new IllegalArgumentException("unknown ring format version " + format);
        }
        int flags = in.u8();
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown ring flags 0x" + Integer.toHexString(flags));
        }
        long version = in.varint();
        if (version < 0) {
            throw new IllegalArgumentException("negative ring version");
        }
        int replicationFactor = in.length(REPLICATION_FACTOR_MAX);
        int memberCount = in.length(MEMBERS_MAX);
        if (memberCount < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("ring needs members and a replication factor: " + memberCount + ", " + replicationFactor);
        }
        boolean transition = (flags & FLAG_IN_TRANSITION) != 0;
        List<Member> members = new ArrayList<>(memberCount);
        List<Member> current = new ArrayList<>();
        List<Member> target = new ArrayList<>();
        for (int i = 0; i < memberCount; i++) {
            NodeId id = new NodeId(new String(bounded(in, NodeId.MAX_LENGTH), StandardCharsets.US_ASCII));
            String host = new String(bounded(in, HOST_BYTES_MAX), StandardCharsets.UTF_8);
            int clientPort = in.length(PORT_MAX);
            int clusterPort = in.length(PORT_MAX);
            int weight = in.length(Integer.MAX_VALUE);
            Member m = new Member(id, host, clientPort, clusterPort, weight);
            members.add(m);
            if (transition) {
                int role = in.u8();
                if (role == 0 || (role & ~(ROLE_CURRENT | ROLE_TARGET)) != 0) {
                    throw new IllegalArgumentException("bad member role " + role + " for " + id);
                }
                if ((role & ROLE_CURRENT) != 0) {
                    current.add(m);
                }
                if ((role & ROLE_TARGET) != 0) {
                    target.add(m);
                }
            }
        }
        int partitionCount = in.length(PARTITIONS_MAX);
        if (partitionCount < 1 || Integer.bitCount(partitionCount) != 1) {
            throw new IllegalArgumentException("partition count must be a power of two: " + partitionCount);
        }
        // Members must arrive in id order: the owner indexes refer to that order.
        for (int i = 1; i < memberCount; i++) {
            if (members.get(i - 1).id().compareTo(members.get(i).id()) >= 0) {
                throw new IllegalArgumentException("members not in strictly ascending id order at " + members.get(i).id());
            }
        }
        NodeId[] owners = new NodeId[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            owners[p] = members.get(in.length(memberCount - 1)).id();
        }
        if (!transition) {
            in.expectEnd();
            return RingSnapshot.of(version, members, replicationFactor, owners);
        }
        NodeId[] pending = new NodeId[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            pending[p] = members.get(in.length(memberCount - 1)).id();
        }
        in.expectEnd();
        if (current.isEmpty() || target.isEmpty()) {
            throw new IllegalArgumentException("a ring in transition needs current and target members");
        }
        return RingSnapshot.of(version, current, replicationFactor, owners, target, pending);
    }

    /** A 64-bit hash of the encoding: equal rings hash equal on every node. */
    public static long contentHash(byte[] encoded) {
        return Murmur3.hash64(encoded, 0, encoded.length);
    }

    private static byte[] bounded(WireReader in, int max) {
        // WireReader never allocates more than the bytes left, and the input is bounded above.
        byte[] b = in.bytes();
        if (b.length > max) {
            throw new IllegalArgumentException("field of " + b.length + " bytes exceeds " + max);
        }
        return b;
    }

    private static int checkPort(int port) {
        if (port < 0 || port > PORT_MAX) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return port;
    }

    private static int indexOf(List<Member> members, NodeId id) {
        int lo = 0;
        int hi = members.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = members.get(mid).id().compareTo(id);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        throw new IllegalStateException("owner " + id + " is not a member");
    }
}
