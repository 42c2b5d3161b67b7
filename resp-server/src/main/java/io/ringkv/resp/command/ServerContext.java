package io.ringkv.resp.command;

import io.ringkv.common.Clock;
import io.ringkv.resp.config.ServerConfig;
import io.ringkv.ring.Consistency;
import io.ringkv.ring.KeyValueService;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.transport.MessagingService;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything one node's command handlers share: configuration, the key-value service, the
 * clock, the command table, the connected clients and counters. Built once per node by the
 * composition root; several nodes can live in one JVM, each with its own context.
 */
public final class ServerContext {
    public static final String REDIS_VERSION = "7.2.4";
    public static final String RINGKV_VERSION = "0.1.0";

    private final ServerConfig config;
    private final ClusterService kv;
    private final MessagingService messaging;
    private final byte[] clusterSecret;
    private final LongAdder forwardedRequests = new LongAdder();
    private final LongAdder forwardedReceived = new LongAdder();
    private final Clock clock;
    private final CommandTable commands;
    private final io.ringkv.ring.partition.Partitioner partitioner;
    private final String runId;
    private final String nodeId;
    private final long startMillis;
    private final Runnable shutdownRequest;
    private final Map<Long, CommandContext> clients = new ConcurrentHashMap<>();
    private final AtomicLong nextClientId = new AtomicLong(1);
    private final LongAdder commandsProcessed = new LongAdder();
    private final LongAdder connectionsReceived = new LongAdder();
    private final LongAdder rejectedConnections = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder errorReplies = new LongAdder();
    private volatile int boundPort;

    private final RingServices ring;

    public ServerContext(ServerConfig config, ClusterService kv, MessagingService messaging, byte[] clusterSecret, Clock clock,
            CommandTable commands, io.ringkv.ring.partition.Partitioner partitioner, String runId, String nodeId, Runnable shutdownRequest,
            RingServices ring) {
        this.config = config;
        this.ring = ring;
        this.kv = kv;
        this.messaging = messaging;
        this.clusterSecret = clusterSecret.clone();
        this.clock = clock;
        this.commands = commands;
        this.partitioner = partitioner;
        this.runId = runId;
        this.nodeId = nodeId;
        this.startMillis = clock.currentTimeMillis();
        this.shutdownRequest = shutdownRequest;
        this.boundPort = config.port();
    }

    public ServerConfig config() {
        return config;
    }

    /** Gossip, ring changes, hints, repair and streaming; all null on a standalone node. */
    public RingServices ring() {
        return ring;
    }

    public KeyValueService kv() {
        return kv;
    }

    /** The coordinator: routing, ring and membership, for RING and INFO ring. */
    public ClusterService cluster() {
        return kv;
    }

    public MessagingService messaging() {
        return messaging;
    }

    /** The shared cluster secret, which also authenticates causal contexts. */
    public byte[] clusterSecret() {
        return clusterSecret;
    }

    /** The server's levels (read-consistency, write-consistency), read per command so CONFIG SET applies. */
    public Consistency defaultConsistency() {
        return config.defaultConsistency();
    }

    /** Requests this node forwarded to a coordinator. */
    public LongAdder forwardedRequests() {
        return forwardedRequests;
    }

    /** Requests other nodes forwarded here. */
    public LongAdder forwardedReceived() {
        return forwardedReceived;
    }

    public Clock clock() {
        return clock;
    }

    public CommandTable commands() {
        return commands;
    }

    public io.ringkv.ring.partition.Partitioner partitioner() {
        return partitioner;
    }

    public String runId() {
        return runId;
    }

    public String nodeId() {
        return nodeId;
    }

    public long startMillis() {
        return startMillis;
    }

    public int boundPort() {
        return boundPort;
    }

    public void boundPort(int port) {
        boundPort = port;
    }

    public void requestShutdown() {
        shutdownRequest.run();
    }

    public long newClientId() {
        return nextClientId.getAndIncrement();
    }

    public void register(CommandContext c) {
        clients.put(c.id(), c);
        connectionsReceived.increment();
    }

    public void unregister(CommandContext c) {
        clients.remove(c.id());
    }

    public Collection<CommandContext> clients() {
        return clients.values();
    }

    public CommandContext client(long id) {
        return clients.get(id);
    }

    public int clientCount() {
        return clients.size();
    }

    public LongAdder commandsProcessed() {
        return commandsProcessed;
    }

    public LongAdder connectionsReceived() {
        return connectionsReceived;
    }

    public LongAdder rejectedConnections() {
        return rejectedConnections;
    }

    public LongAdder protocolErrors() {
        return protocolErrors;
    }

    public LongAdder errorReplies() {
        return errorReplies;
    }
}
