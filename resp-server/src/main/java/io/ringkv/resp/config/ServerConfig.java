package io.ringkv.resp.config;

import io.ringkv.resp.protocol.RequestLimits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's configuration: every key with its default, loaded from YAML and flags at start,
 * read by {@code CONFIG GET} and, for mutable keys, changed by {@code CONFIG SET}. Values are
 * held in normalised string form; typed accessors parse them. The parameter list is the single
 * source for the YAML example, the flags and CONFIG.
 */
public final class ServerConfig {
    public static final List<ConfigParam> PARAMS = List.of(
            p("bind", ConfigParam.Type.STRING, "127.0.0.1", false, "Address to listen on. Setting it explicitly also relaxes protected mode."),
            p("port", ConfigParam.Type.INT, "6379", false, "Client (RESP) port.").range(0, 65535),
            p("protected-mode", ConfigParam.Type.BOOL, "yes", true, "Refuse non-loopback clients when no password is set and bind was not given explicitly."),
            p("requirepass", ConfigParam.Type.STRING, "", true, "Password of the default user; empty = no authentication."),
            p("maxclients", ConfigParam.Type.INT, "10000", true, "Maximum simultaneous client connections.").range(1, 4294967295L),
            p("timeout", ConfigParam.Type.INT, "0", true, "Close clients idle for this many seconds (0 = never).").range(0, Integer.MAX_VALUE),
            p("proto-max-bulk-len", ConfigParam.Type.BYTES, "536870912", true, "Largest bulk string a client may send.").range(1024 * 1024, Long.MAX_VALUE),
            p("client-query-buffer-limit", ConfigParam.Type.BYTES, "1073741824", true, "Largest request (sum of its arguments) a client may send.").range(1024 * 1024, Long.MAX_VALUE),
            p("client-output-buffer-bytes-max", ConfigParam.Type.BYTES, "1048576", true, "Replies pending to one slow client before reading its requests pauses (applies to new connections).").range(64 * 1024, Integer.MAX_VALUE),
            p("hz", ConfigParam.Type.INT, "10", true, "Background task frequency (active expiry, idle-client checks) per second.").range(1, 500),
            p("active-expire-keys-per-cycle", ConfigParam.Type.INT, "200", true, "Keys examined by each active expiry cycle.").range(1, 1_000_000),
            p("io-threads", ConfigParam.Type.INT, "0", false, "Netty event-loop threads (0 = number of cores).").range(0, 128),
            p("data-dir", ConfigParam.Type.STRING, "./data", false, "Directory for the node's data files."),
            e("storage.engine", "lsm", false, List.of("memory", "lsm"), "Storage engine: lsm (durable, larger than RAM) or memory (volatile)."),
            e("appendfsync", "everysec", false, List.of("always", "everysec", "no"), "When the commit log is fsynced: every write, every second, or by the OS."),
            p("storage.memtable-bytes-max", ConfigParam.Type.BYTES, "67108864", false, "Memtable size before it is flushed to an SSTable.").range(4096, Long.MAX_VALUE),
            p("storage.block-cache-bytes", ConfigParam.Type.BYTES, "134217728", false, "Block cache size."),
            p("storage.bloom-bits-per-key", ConfigParam.Type.INT, "10", false, "Bloom filter bits per key (10 = about 1 percent false positives).").range(1, 64),
            p("storage.block-bytes", ConfigParam.Type.BYTES, "4096", false, "Uncompressed size of an SSTable data block.").range(256, 16 << 20),
            p("storage.target-file-bytes", ConfigParam.Type.BYTES, "67108864", false, "Size of the SSTables compaction writes.").range(4096, Long.MAX_VALUE),
            p("storage.level-base-bytes", ConfigParam.Type.BYTES, "268435456", false, "Size of level 1; each deeper level is 10x larger.").range(4096, Long.MAX_VALUE),
            p("storage.l0-compaction-trigger", ConfigParam.Type.INT, "4", false, "Level-0 tables that start a compaction.").range(1, 1000),
            p("storage.l0-slowdown-trigger", ConfigParam.Type.INT, "20", false, "Level-0 tables at which writes are slowed.").range(1, 1000),
            p("storage.l0-stop-trigger", ConfigParam.Type.INT, "36", false, "Level-0 tables at which writes wait for compaction.").range(1, 1000),
            p("storage.pending-compaction-bytes-stop", ConfigParam.Type.BYTES, "68719476736", false, "Compaction debt at which writes wait.").range(1, Long.MAX_VALUE),
            p("storage.compression", ConfigParam.Type.BOOL, "yes", false, "LZ4 compression of SSTable blocks."),
            p("storage.compaction-threads", ConfigParam.Type.INT, "1", false, "Background compaction threads.").range(1, 64),
            p("partitions", ConfigParam.Type.INT, "256", false, "Partitions of the hash ring (a power of two, fixed at cluster creation).").range(1, 1 << 20),
            p("node-id", ConfigParam.Type.STRING, "", false, "This node's id, unique in the cluster (empty = n1 for a single node; required when seeds are given)."),
            p("seeds", ConfigParam.Type.STRING, "", false, "Nodes to contact at start as id@host:port[/weight], comma-separated. When no ring is stored yet, the listed nodes form the first ring if this node is among them; otherwise this node joins the ring it learns from them (empty = a one-node cluster of this node)."),
            p("cluster-secret", ConfigParam.Type.STRING, "", false, "Shared secret authenticating inter-node connections and causal contexts (empty = unauthenticated)."),
            p("peer-cluster-addresses", ConfigParam.Type.STRING, "", false, "Where this node connects to reach peers' cluster ports, as id=host:port, comma-separated, overriding seeds (NAT, proxies)."),
            p("announce-host", ConfigParam.Type.STRING, "", false, "The host other nodes and clients reach this node at, when it is not named in seeds (empty = bind)."),
            p("cluster-port-offset", ConfigParam.Type.INT, "10000", false, "Each node's cluster port is its client port plus this offset.").range(1, 65535),
            p("weight", ConfigParam.Type.INT, "1", false, "This node's weight when it is a single node (in seeds, use /weight).").range(1, 1000),
            p("replication-factor", ConfigParam.Type.INT, "3", false, "Replicas of each key (N); preference lists are shorter while the cluster has fewer nodes.").range(1, 16),
            e("read-consistency", "quorum", true, List.of("one", "two", "three", "quorum", "all"), "Default read level (CONSISTENCY and CL override it)."),
            e("write-consistency", "quorum", true, List.of("any", "one", "two", "three", "quorum", "all"), "Default write level (CONSISTENCY and CL override it)."),
            p("request-timeout-ms", ConfigParam.Type.INT, "2000", false, "How long a replica or forwarded request may take before it counts as failed.").range(1, 3_600_000),
            p("read-repair-percent", ConfigParam.Type.INT, "10", false, "Percent of reads that ask every live replica, not just R, so stale replicas are repaired.").range(0, 100),
            p("siblings-warn", ConfigParam.Type.INT, "25", false, "Log a warning when a key holds more siblings than this.").range(1, 100_000),
            p("siblings-max", ConfigParam.Type.INT, "100", false, "Siblings kept per key; beyond it the oldest are dropped (and logged).").range(1, 100_000),
            p("tombstone-grace-seconds", ConfigParam.Type.INT, "864000", false, "How long tombstones and expired versions are kept before compaction drops them.").range(0, Integer.MAX_VALUE),
            p("gossip-interval-ms", ConfigParam.Type.INT, "1000", false, "One gossip round: heartbeat, digests exchanged with a few random peers.").range(10, 600_000),
            p("gossip-fanout", ConfigParam.Type.INT, "2", false, "Live peers gossiped with per round (plus at most one unreachable peer and one seed).").range(1, 16),
            p("phi-threshold", ConfigParam.Type.INT, "8", false, "Phi-accrual suspicion at which a peer is judged down.").range(1, 100),
            p("phi-window-size", ConfigParam.Type.INT, "1000", false, "Heartbeat intervals the failure detector remembers per peer.").range(2, 10_000),
            p("phi-min-std-dev-ms", ConfigParam.Type.INT, "500", false, "Floor of the heartbeat interval's standard deviation in the failure detector.").range(1, 600_000),
            p("phi-acceptable-pause-ms", ConfigParam.Type.INT, "3000", false, "Heartbeat pause the failure detector tolerates before suspicion rises.").range(0, 3_600_000),
            p("sloppy-quorum", ConfigParam.Type.BOOL, "yes", false, "Hints stored on a healthy node past the preference list count toward W."),
            p("hint-window-ms", ConfigParam.Type.INT, "10800000", false, "How long hints are kept, and how long a node may be down and still get new hints (3 h).").range(1, Integer.MAX_VALUE),
            p("hint-bytes-per-target-max", ConfigParam.Type.BYTES, "268435456", false, "Hint bytes kept for one down node; beyond it new hints are dropped and counted.").range(1, Long.MAX_VALUE),
            p("hint-delivery-interval-ms", ConfigParam.Type.INT, "10000", false, "How often hints are expired and delivery to live nodes is started.").range(10, 3_600_000),
            p("hint-delivery-bytes-per-second", ConfigParam.Type.BYTES, "1048576", false, "Hint replay rate of this node, all targets together.").range(1, Long.MAX_VALUE),
            p("repair-interval-ms", ConfigParam.Type.INT, "30000", false, "Anti-entropy: one partition this node replicates is compared with its other replicas per interval (0 = only RING REPAIR).").range(0, Integer.MAX_VALUE),
            p("repair-bytes-per-second", ConfigParam.Type.BYTES, "16777216", false, "Pacing of anti-entropy traffic.").range(1, Long.MAX_VALUE),
            p("repair-leaf-count", ConfigParam.Type.INT, "1024", false, "Leaves of each partition's Merkle tree (a power of two).").range(4, 1 << 20),
            p("repair-tree-build-keys-per-second", ConfigParam.Type.INT, "200000", false, "Keys hashed per second when Merkle trees are built at start and rebuilt.").range(1, Integer.MAX_VALUE),
            p("repair-tree-rebuild-interval-ms", ConfigParam.Type.INT, "86400000", false, "How often each Merkle tree is rebuilt from storage, bounding drift (1 day).").range(1000, Integer.MAX_VALUE),
            p("stream-bytes-per-second", ConfigParam.Type.BYTES, "33554432", false, "Rate at which this node pulls partitions when it joins or gains replicas.").range(1, Long.MAX_VALUE),
            p("stream-partitions-in-flight", ConfigParam.Type.INT, "2", false, "Partitions streamed at once.").range(1, 1024),
            p("cleanup-keys-per-second", ConfigParam.Type.INT, "50000", false, "Rate at which keys of partitions this node no longer replicates are deleted after a ring change.").range(1, Integer.MAX_VALUE),
            p("ring-settle-ms", ConfigParam.Type.INT, "5000", false, "How long a ring change is known before data moves, so every coordinator writes to the new replicas first.").range(0, 3_600_000),
            p("auto-join", ConfigParam.Type.BOOL, "yes", false, "A node outside the ring joins it by itself (streaming its partitions) when it starts."),
            p("replace-node", ConfigParam.Type.STRING, "", false, "Id of a dead node this node replaces: it takes that node's partitions, streamed from their other replicas."),
            p("coordinator-key-waiters-max", ConfigParam.Type.INT, "10000", false, "Operations that may queue behind one key's lock at its coordinator.").range(1, 10_000_000),
            p("cluster-in-flight-per-peer-max", ConfigParam.Type.INT, "16384", false, "Requests in flight to one peer before new ones fail as overloaded.").range(1, 10_000_000),
            p("cluster-frame-bytes-max", ConfigParam.Type.BYTES, "671088640", false, "Largest inter-node message.").range(1024 * 1024, Integer.MAX_VALUE),
            p("client-in-flight-commands-max", ConfigParam.Type.INT, "1024", false, "Commands of one connection waiting on replicas before its further requests wait.").range(1, 1_000_000),
            p("save", ConfigParam.Type.STRING, "", false, "Redis compatibility: RDB snapshots do not exist in RingKV (always empty)."),
            p("appendonly", ConfigParam.Type.BOOL, "no", false, "Redis compatibility, read-only: yes when the storage engine keeps a commit log (lsm)."),
            p("databases", ConfigParam.Type.INT, "1", false, "Redis compatibility: RingKV has one database, 0."),
            p("maxmemory", ConfigParam.Type.BYTES, "0", false, "Redis compatibility, read-only: RingKV does not evict keys (always 0)."),
            p("loglevel", ConfigParam.Type.STRING, "notice", false, "Log level (informational)."));

    private static ConfigParam p(String name, ConfigParam.Type type, String def, boolean mutable, String desc) {
        return new ConfigParam(name, type, def, mutable, List.of(), desc);
    }

    private static ConfigParam e(String name, String def, boolean mutable, List<String> choices, String desc) {
        return new ConfigParam(name, ConfigParam.Type.ENUM, def, mutable, choices, desc);
    }

    private final Map<String, ConfigParam> byName = new LinkedHashMap<>();
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final java.util.Set<String> explicitlySet = ConcurrentHashMap.newKeySet();
    private volatile RequestLimits limits;
    private volatile io.ringkv.ring.Consistency consistency;

    public ServerConfig() {
        for (ConfigParam cp : PARAMS) {
            byName.put(cp.name(), cp);
            values.put(cp.name(), cp.normalise(cp.defaultValue()));
        }
        refreshDerived();
    }

    public static ConfigParam param(String name) {
        for (ConfigParam cp : PARAMS) {
            if (cp.name().equals(name)) {
                return cp;
            }
        }
        return null;
    }

    /** Sets a value at start-up (YAML or flag), whether or not it is mutable at run time. */
    public void setInitial(String name, String value) {
        ConfigParam cp = byName.get(name);
        if (cp == null) {
            throw new IllegalArgumentException("unknown configuration key '" + name + "'");
        }
        values.put(name, cp.normalise(value));
        explicitlySet.add(name);
        refreshDerived();
    }

    /** CONFIG SET: throws IllegalArgumentException with Redis's wording when refused. */
    public void setAtRuntime(String name, String value) {
        ConfigParam cp = byName.get(name);
        if (cp == null) {
            throw new IllegalArgumentException("unknown");
        }
        if (!cp.mutable()) {
            throw new IllegalArgumentException("can't set immutable config");
        }
        values.put(name, cp.normalise(value));
        refreshDerived();
    }

    /** Sets a value derived from other keys at start-up (not counted as explicitly configured). */
    public void setDerived(String name, String value) {
        ConfigParam cp = byName.get(name);
        values.put(name, cp.normalise(value));
        refreshDerived();
    }

    public boolean isExplicit(String name) {
        return explicitlySet.contains(name);
    }

    public String get(String name) {
        return values.get(name);
    }

    public List<ConfigParam> params() {
        return Collections.unmodifiableList(new ArrayList<>(byName.values()));
    }

    private void refreshDerived() {
        limits = new RequestLimits(getLong("proto-max-bulk-len"), getLong("client-query-buffer-limit"));
        if (values.containsKey("read-consistency") && values.containsKey("write-consistency")) {
            consistency = new io.ringkv.ring.Consistency(io.ringkv.ring.ConsistencyLevel.parse(get("read-consistency")),
                    io.ringkv.ring.ConsistencyLevel.parse(get("write-consistency")));
        }
    }

    public long getLong(String name) {
        return Long.parseLong(values.get(name));
    }

    public int getInt(String name) {
        return Math.toIntExact(getLong(name));
    }

    public boolean getBool(String name) {
        return "yes".equals(values.get(name));
    }

    /** The server's default read and write levels. */
    public io.ringkv.ring.Consistency defaultConsistency() {
        return consistency;
    }

    public RequestLimits requestLimits() {
        return limits;
    }

    public String bind() {
        return get("bind");
    }

    public int port() {
        return getInt("port");
    }

    public String requirePass() {
        return get("requirepass");
    }

    public String dataDir() {
        return get("data-dir");
    }

    public String storageEngine() {
        return get("storage.engine");
    }
}
