package io.ringkv.ring.repair;

import io.ringkv.ring.NodeId;
import java.util.List;

/**
 * The outcome of repairing one partition with its other replicas.
 *
 * @param status {@code ok} (every peer compared), {@code partial} (some peer down or failing),
 *     {@code building} (this node's tree is not built yet: nothing compared),
 *     {@code not-replica} (this node does not replicate the partition)
 * @param peers the other replicas of the partition, in preference-list order
 * @param peersFailed those that were down, unreachable, still building, or failed mid-way
 * @param full every replica took part and converged: recorded as the partition's last full
 *     repair, which lets compaction reap tombstones older than its start
 * @param keysCompared keys listed on either side in the leaves that differed
 * @param keysDiffering keys whose version digests differed (or that one side lacked)
 * @param keysRepaired keys changed here by a merge plus keys pushed to a peer
 * @param bytesSent request payload bytes this node sent (pushes included)
 * @param bytesReceived reply payload bytes this node received
 * @param millis wall time the repair took, by the injected clock
 */
public record RepairResult(int partition, String status, List<NodeId> peers, List<NodeId> peersFailed, boolean full,
        long keysCompared, long keysDiffering, long keysRepaired, long bytesSent, long bytesReceived, long millis) {
    public static final String OK = "ok";
    public static final String PARTIAL = "partial";
    public static final String BUILDING = "building";
    public static final String NOT_REPLICA = "not-replica";

    public long bytesExchanged() {
        return bytesSent + bytesReceived;
    }
}
