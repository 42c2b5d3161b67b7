package io.ringkv.node;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.Member;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses the {@code seeds} setting: every member of the cluster as
 * {@code id@host:port[/weight]}, comma-separated. The cluster port of each is its client port
 * plus {@code cluster-port-offset}.
 */
final class SeedList {
    private SeedList() {}

    static List<Member> parse(String seeds, int clusterPortOffset) {
        List<Member> out = new ArrayList<>();
        Set<NodeId> ids = new HashSet<>();
        for (String raw : seeds.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int at = entry.indexOf('@');
            int colon = entry.lastIndexOf(':');
            if (at <= 0 || colon < at + 2) {
                throw new IllegalArgumentException("seed '" + entry + "' is not id@host:port[/weight]");
            }
            NodeId id = new NodeId(entry.substring(0, at));
            String host = entry.substring(at + 1, colon);
            String rest = entry.substring(colon + 1);
            int weight = 1;
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                weight = parseInt(rest.substring(slash + 1), entry);
                rest = rest.substring(0, slash);
            }
            int port = parseInt(rest, entry);
            if (port < 1 || port + clusterPortOffset > 65535) {
                throw new IllegalArgumentException("seed '" + entry + "': port out of range (cluster port = port + " + clusterPortOffset + ")");
            }
            if (!ids.add(id)) {
                throw new IllegalArgumentException("node id " + id + " appears twice in seeds");
            }
            out.add(new Member(id, host, port, port + clusterPortOffset, weight));
        }
        return out;
    }

    /** Parses {@code peer-cluster-addresses}: id=host:port, comma-separated, to {host, port}. */
    static java.util.Map<NodeId, String[]> parseAddresses(String spec) {
        java.util.Map<NodeId, String[]> out = new java.util.HashMap<>();
        for (String raw : spec.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            int colon = entry.lastIndexOf(':');
            if (eq <= 0 || colon < eq + 2) {
                throw new IllegalArgumentException("peer address '" + entry + "' is not id=host:port");
            }
            int port = parseInt(entry.substring(colon + 1), entry);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("peer address '" + entry + "': port out of range");
            }
            out.put(new NodeId(entry.substring(0, eq)), new String[] {entry.substring(eq + 1, colon), Integer.toString(port)});
        }
        return out;
    }

    private static int parseInt(String s, String entry) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seed '" + entry + "': '" + s + "' is not a number");
        }
    }
}
