package io.ringkv.resp.command;

import static io.ringkv.resp.command.CommandSpec.command;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.membership.Membership;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** RING NODES, RING STATUS, RING PREFLIST and the INFO ring section: the ring at a glance. */
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
                .sub(command("help", 2).doc("cluster", "0.1.0", "O(1)", "Returns helpful text about the different subcommands.")
                        .handler((c, r, o) -> ServerCommands.help(o, "RING <subcommand> [<arg> ...]. Subcommands are:",
                                "NODES", "    Return the ring's nodes, one per line.",
                                "STATUS", "    Return a summary of the ring and each node's state and ownership.",
                                "PREFLIST <key>", "    Return the key's partition and the nodes that hold it, coordinator first.",
                                "HELP", "    Print this help.")))
                .build());
    }

    private static String line(ClusterService cluster, Member m) {
        RingSnapshot ring = cluster.membership().ring();
        return String.format(Locale.ROOT, "%s %s:%d@%d %s weight=%d owned=%d replicas=%d%s", m.id(), m.host(), m.clientPort(), m.clusterPort(),
                cluster.membership().state(m.id()), m.weight(), ring.ownedPartitions(m.id()).length,
                ring.replicatedPartitions(m.id()).length, m.id().equals(cluster.self()) ? " myself" : "");
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
        sb.append("state id       address               owns    partitions replicas\n");
        for (Member m : ring.members()) {
            int owned = ring.ownedPartitions(m.id()).length;
            sb.append(String.format(Locale.ROOT, "%-5s %-8s %-21s %5.1f%%  %10d %8d%s%n", ms.isAlive(m.id()) ? "UP" : "DOWN", m.id(),
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
                        + ",state=" + ms.state(mem.id()));
            }
        }
        m.put("forwarded_requests", Long.toString(s.forwardedRequests().sum()));
        m.put("forwarded_received", Long.toString(s.forwardedReceived().sum()));
        Map<String, Long> counters = cluster.counters();
        for (String k : new String[] {"coordinated_reads", "coordinated_writes", "read_repairs", "read_repair_failures", "quorum_timeouts", "unavailable",
                "replica_requests_in_flight", "siblings_over_warn", "siblings_capped"}) {
            m.put(k, Long.toString(counters.getOrDefault(k, 0L)));
        }
        for (Map.Entry<String, Long> e : s.messaging().stats().entrySet()) {
            m.put("transport_" + e.getKey(), Long.toString(e.getValue()));
        }
    }
}
