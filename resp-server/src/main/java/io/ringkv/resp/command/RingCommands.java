package io.ringkv.resp.command;

import static io.ringkv.resp.command.CommandSpec.command;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.membership.GossipMembership;
import io.ringkv.ring.membership.Membership;
import io.ringkv.ring.repair.RepairResult;
import io.ringkv.ring.streaming.StreamProgress;
import java.util.concurrent.CompletableFuture;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RING NODES, STATUS and PREFLIST, the ring changes (JOIN, LEAVE, REMOVE), REPAIR, and the
 * INFO ring section: the ring, membership, hints, repair and streaming at a glance.
 */
public final class RingCommands {
    private RingCommands() {}

    public static void register(CommandTable t) {
        t.register(command("ring", -2).acl("@slow")
                .doc("cluster", "0.1.0", "Depends on subcommand.", "A container for ring (cluster membership) commands.")
                .sub(command("nodes", 2).doc("cluster", "0.1.0", "O(N) where N is the number of nodes",
                        "Lists the ring's nodes: id, addresses, state, weight, partitions owned and replicated.").handler(RingCommands::nodes))
                .sub(command("status", 2).doc("cluster", "0.1.0", "O(N) where N is the number of nodes",
                        "Summarises the ring: version, members up and down, ownership per node.").handler(RingCommands::status))
                .sub(command("preflist", 3).args("key:string").doc("cluster", "0.1.0", "O(N)",
                        "Returns the partition of a key and its preference list (coordinator candidates in order).").handler(RingCommands::preflist))
                .sub(command("join", -2).args("[address:string]").doc("cluster", "0.1.0", "O(1)",
                        "Joins this node to a ring: that of the node serving host:port (for an empty node alone in its own ring), or of its seeds (for a node started with auto-join no). It claims partitions, streams them, then serves them.").handler(RingCommands::join))
                .sub(command("leave", 2).doc("cluster", "0.1.0", "O(1)",
                        "Decommissions this node: its partitions stream to their new owners, then it leaves the ring and stops.").handler(RingCommands::leave))
                .sub(command("remove", 3).args("node-id:string").doc("cluster", "0.1.0", "O(1)",
                        "Takes a dead node out of the ring; surviving replicas re-replicate its partitions.").handler(RingCommands::remove))
                .sub(command("abort", 2).doc("cluster", "0.1.0", "O(1)",
                        "Abandons the ring change in progress (one held up by a node that died): the ring goes back to its current owners.").handler(RingCommands::abort))
                .sub(command("repair", -2).args("[partition:integer]").doc("cluster", "0.1.0", "O(keys differing)",
                        "Anti-entropy now: compares Merkle trees with the other replicas of one partition (or every partition this node replicates) and exchanges the differing keys.").handler(RingCommands::repair))
                .sub(command("help", 2).doc("cluster", "0.1.0", "O(1)", "Returns helpful text about the different subcommands.")
                        .handler((c, r, o) -> ServerCommands.help(o, "RING <subcommand> [<arg> ...]. Subcommands are:",
                                "NODES", "    Return the ring's nodes, one per line.",
                                "STATUS", "    Return a summary of the ring and each node's state and ownership.",
                                "PREFLIST <key>", "    Return the key's partition and the nodes that hold it, coordinator first.",
                                "JOIN [<host:port>]", "    Join the ring of the node at host:port (an empty node alone in its ring), or of this node's seeds.",
                                "LEAVE", "    Stream this node's partitions to their new owners, leave the ring and stop.",
                                "REMOVE <node-id>", "    Take a dead node out of the ring and re-replicate its partitions.",
                                "ABORT", "    Abandon the ring change in progress (held up by a dead node); owners stay as they are.",
                                "REPAIR [<partition>]", "    Run anti-entropy now on one partition, or on every partition this node replicates.",
                                "HELP", "    Print this help.")))
                .build());
    }

    private static String line(ClusterService cluster, Member m) {
        RingSnapshot ring = cluster.membership().ring();
        return String.format(Locale.ROOT, "%s %s:%d@%d %s weight=%d owned=%d replicas=%d phi=%s%s", m.id(), m.host(), m.clientPort(), m.clusterPort(),
                cluster.membership().state(m.id()), m.weight(), ring.ownedPartitions(m.id()).length,
                ring.replicatedPartitions(m.id()).length, phi(cluster.membership(), m.id()), m.id().equals(cluster.self()) ? " myself" : "");
    }

    /** The failure detector's suspicion of a node, for operators ("-" without gossip). */
    private static String phi(Membership ms, NodeId node) {
        if (!(ms instanceof GossipMembership g)) {
            return "-";
        }
        double phi = g.phi(node);
        return Double.isInfinite(phi) ? "inf" : String.format(Locale.ROOT, "%.2f", Math.max(0.0, phi));
    }

    /** The ring services, or null after answering the standalone error. */
    private static RingServices clustered(CommandContext c, RespWriter out) {
        RingServices s = c.server().ring();
        if (s == null || !s.clustered()) {
            out.error(RedisErrors.STANDALONE_RING);
            return null;
        }
        return s;
    }

    private static void join(CommandContext c, Request r, RespWriter out) {
        RingServices s = clustered(c, out);
        if (s == null) {
            return;
        }
        if (r.argc() == 2) {
            s.ringManager().join();
            out.simple("OK");
            return;
        }
        if (r.argc() > 3) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        String address = new String(r.arg(2), java.nio.charset.StandardCharsets.UTF_8);
        int colon = address.lastIndexOf(':');
        int port;
        try {
            port = colon <= 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            out.error(RedisErrors.ringChangeRefused("invalid address, expected host:port: " + address));
            return;
        }
        RingSnapshot ring = c.server().cluster().membership().ring();
        if (ring.members().size() != 1) {
            out.error(RedisErrors.ringChangeRefused("this node is already in a ring of " + ring.members().size()
                    + " members; RING JOIN host:port is for a node alone in its ring"));
            return;
        }
        if (c.server().cluster().store().size() > 0) {
            out.error(RedisErrors.ringChangeRefused("this node holds keys; only an empty node can join another ring"));
            return;
        }
        c.reply(out, s.contact().contact(address.substring(0, colon), port).handle((seed, err) -> {
            if (err != null) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
                throw new RingChangeRefusedException("cannot reach a RingKV node at " + address + ": " + cause.getMessage());
            }
            try {
                s.ringManager().joinRingOf(seed);
            } catch (IllegalStateException e) {
                throw new RingChangeRefusedException(e.getMessage());
            }
            return seed;
        }), (seed, w) -> w.simple("OK"));
    }

    private static void leave(CommandContext c, Request r, RespWriter out) {
        RingServices s = clustered(c, out);
        if (s == null) {
            return;
        }
        try {
            s.ringManager().leave();
            out.simple("OK");
        } catch (IllegalStateException e) {
            out.error(RedisErrors.ringChangeRefused(e.getMessage()));
        }
    }

    private static void abort(CommandContext c, Request r, RespWriter out) {
        RingServices s = clustered(c, out);
        if (s == null) {
            return;
        }
        try {
            s.ringManager().abort();
            out.simple("OK");
        } catch (IllegalStateException e) {
            out.error(RedisErrors.ringChangeRefused(e.getMessage()));
        }
    }

    private static void remove(CommandContext c, Request r, RespWriter out) {
        RingServices s = clustered(c, out);
        if (s == null) {
            return;
        }
        NodeId node;
        try {
            node = new NodeId(new String(r.arg(2), java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            out.error(RedisErrors.ringChangeRefused("invalid node id: " + e.getMessage()));
            return;
        }
        try {
            s.ringManager().remove(node);
            out.simple("OK");
        } catch (IllegalStateException e) {
            out.error(RedisErrors.ringChangeRefused(e.getMessage()));
        }
    }

    /** Replies with one line per partition repaired and a summary line. */
    private static void repair(CommandContext c, Request r, RespWriter out) {
        RingServices s = clustered(c, out);
        if (s == null) {
            return;
        }
        if (r.argc() > 3) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        CompletableFuture<List<RepairResult>> results;
        if (r.argc() == 3) {
            long p;
            try {
                p = Args.parseLong(r.arg(2));
            } catch (Args.NotANumber e) {
                out.error(RedisErrors.INVALID_PARTITION);
                return;
            }
            if (p < 0 || p >= c.server().cluster().membership().ring().partitionCount()) {
                out.error(RedisErrors.INVALID_PARTITION);
                return;
            }
            results = s.repair().repair((int) p).thenApply(List::of);
        } else {
            results = s.repair().repairAll();
        }
        c.reply(out, results, (list, w) -> {
            long differing = 0;
            long repaired = 0;
            long bytes = 0;
            int full = 0;
            StringBuilder sb = new StringBuilder();
            for (RepairResult res : list) {
                differing += res.keysDiffering();
                repaired += res.keysRepaired();
                bytes += res.bytesSent() + res.bytesReceived();
                full += res.full() ? 1 : 0;
                sb.append(String.format(Locale.ROOT, "partition:%d status:%s peers:%d peers_failed:%d keys_compared:%d keys_differing:%d keys_repaired:%d bytes:%d ms:%d%n",
                        res.partition(), res.status(), res.peers().size(), res.peersFailed().size(), res.keysCompared(), res.keysDiffering(), res.keysRepaired(),
                        res.bytesSent() + res.bytesReceived(), res.millis()));
            }
            sb.insert(0, String.format(Locale.ROOT, "partitions:%d full:%d keys_differing:%d keys_repaired:%d bytes:%d%n",
                    list.size(), full, differing, repaired, bytes));
            w.verbatim(sb.toString());
        });
    }

    private static void nodes(CommandContext c, Request r, RespWriter out) {
        ClusterService cluster = c.server().cluster();
        StringBuilder sb = new StringBuilder();
        for (Member m : cluster.membership().ring().members()) {
            sb.append(line(cluster, m)).append('\n');
        }
        out.verbatim(sb.toString());
    }

    private static void status(CommandContext c, Request r, RespWriter out) {
        ClusterService cluster = c.server().cluster();
        Membership ms = cluster.membership();
        RingSnapshot ring = ms.ring();
        int up = 0;
        for (Member m : ring.members()) {
            if (ms.isAlive(m.id())) {
                up++;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "ring_version:%d members:%d up:%d down:%d partitions:%d replication_factor:%d%n",
                ring.version(), ring.members().size(), up, ring.members().size() - up, ring.partitionCount(), ring.replicationFactor()));
        RingServices rs = c.server().ring();
        if (rs != null && rs.clustered()) {
            Map<String, String> rm = rs.ringManager().describe();
            Map<String, Long> counters = cluster.counters();
            Map<String, Long> repair = rs.repair().stats();
            sb.append(String.format(Locale.ROOT, "in_transition:%s pending_changes:%s last_event:%s%n", rm.get("ring_in_transition"),
                    rm.get("ring_pending_changes"), rm.get("ring_last_event")));
            sb.append(String.format(Locale.ROOT, "hints_pending:%d hints_delivered:%d hints_expired:%d repairs_completed:%d repair_keys_repaired:%d stream:%s%n",
                    counters.getOrDefault("hints_pending", 0L), counters.getOrDefault("hints_delivered", 0L),
                    counters.getOrDefault("hints_expired", 0L), repair.getOrDefault("repairs_completed", 0L),
                    repair.getOrDefault("repair_keys_repaired", 0L), rs.streams().progress().state().name().toLowerCase(Locale.ROOT)));
        }
        sb.append("state   id       address               owns    partitions replicas\n");
        for (Member m : ring.members()) {
            int owned = ring.ownedPartitions(m.id()).length;
            sb.append(String.format(Locale.ROOT, "%-7s %-8s %-21s %5.1f%%  %10d %8d%s%n", ms.state(m.id()).toUpperCase(Locale.ROOT), m.id(),
                    m.host() + ":" + m.clientPort(), 100.0 * owned / ring.partitionCount(), owned, ring.replicatedPartitions(m.id()).length,
                    m.id().equals(cluster.self()) ? "  (this node)" : ""));
        }
        out.verbatim(sb.toString());
    }

    private static void preflist(CommandContext c, Request r, RespWriter out) {
        ClusterService cluster = c.server().cluster();
        RingSnapshot ring = cluster.membership().ring();
        int partition = ring.partitioner().partitionOf(r.arg(2));
        List<NodeId> pref = ring.preferenceList(partition);
        out.arrayHeader(2);
        out.integer(partition);
        out.arrayHeader(pref.size());
        for (NodeId n : pref) {
            Member m = ring.member(n);
            out.bulk(n + " " + m.host() + ":" + m.clientPort() + " " + cluster.membership().state(n));
        }
    }

    /** The INFO ring section. */
    static void info(ServerContext s, Map<String, String> m) {
        ClusterService cluster = s.cluster();
        Membership ms = cluster.membership();
        RingSnapshot ring = ms.ring();
        int up = 0;
        for (Member mem : ring.members()) {
            if (ms.isAlive(mem.id())) {
                up++;
            }
        }
        m.put("node_id", cluster.self().id());
        m.put("mode", ring.members().size() == 1 ? "single-node" : "cluster");
        m.put("ring_version", Long.toString(ring.version()));
        m.put("members", Integer.toString(ring.members().size()));
        m.put("members_up", Integer.toString(up));
        m.put("partitions", Integer.toString(ring.partitionCount()));
        m.put("partitions_owned", Integer.toString(ring.ownedPartitions(cluster.self()).length));
        m.put("partitions_replicated", Integer.toString(ring.replicatedPartitions(cluster.self()).length));
        m.put("replication_factor", Integer.toString(ring.replicationFactor()));
        m.put("read_consistency", s.defaultConsistency().read().name().toLowerCase(Locale.ROOT));
        m.put("write_consistency", s.defaultConsistency().write().name().toLowerCase(Locale.ROOT));
        m.put("request_timeout_ms", Long.toString(cluster.settings().requestTimeoutMillis()));
        for (Member mem : ring.members()) {
            if (!mem.id().equals(cluster.self())) {
                m.put("peer_" + mem.id(), "addr=" + mem.host() + ":" + mem.clientPort() + ",cluster_port=" + mem.clusterPort()
                        + ",state=" + ms.state(mem.id()) + ",phi=" + phi(ms, mem.id()));
            }
        }
        m.put("forwarded_requests", Long.toString(s.forwardedRequests().sum()));
        m.put("forwarded_received", Long.toString(s.forwardedReceived().sum()));
        Map<String, Long> counters = cluster.counters();
        for (String k : new String[] {"coordinated_reads", "coordinated_writes", "read_repairs", "read_repair_failures", "quorum_timeouts", "unavailable",
                "replica_requests_in_flight", "siblings_over_warn", "siblings_capped"}) {
            m.put(k, Long.toString(counters.getOrDefault(k, 0L)));
        }
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            if (e.getKey().startsWith("hints_") || e.getKey().equals("pending_replica_writes")) {
                m.put(e.getKey(), Long.toString(e.getValue()));
            }
        }
        RingServices rs = s.ring();
        if (rs != null && rs.clustered()) {
            m.put("ring_status", ms.state(cluster.self()));
            m.putAll(rs.ringManager().describe());
            putAll(m, rs.handoff().counters());
            putAll(m, rs.repair().stats());
            StreamProgress sp = rs.streams().progress();
            m.put("stream_state", sp.state().name().toLowerCase(Locale.ROOT));
            m.put("stream_ring_version", Long.toString(sp.ringVersion()));
            m.put("stream_partitions_done", sp.partitionsDone() + "/" + sp.partitionsTotal());
            m.put("stream_keys_received", Long.toString(sp.keysReceived()));
            m.put("stream_bytes_received", Long.toString(sp.bytesReceived()));
            m.put("stream_bytes_per_second", Long.toString(sp.bytesPerSecond()));
            putAll(m, rs.gossip().gossiper().stats());
        }
        for (Map.Entry<String, Long> e : s.messaging().stats().entrySet()) {
            m.put("transport_" + e.getKey(), Long.toString(e.getValue()));
        }
    }

    private static void putAll(Map<String, String> m, Map<String, ? extends Number> values) {
        putAll(m, values, "");
    }

    private static void putAll(Map<String, String> m, Map<String, ? extends Number> values, String prefix) {
        for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
            m.put(prefix + e.getKey(), e.getValue().toString());
        }
    }
}
