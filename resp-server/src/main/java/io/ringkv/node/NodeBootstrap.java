package io.ringkv.node;

import io.ringkv.common.Clock;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.ringkv.common.Scheduler;
import io.ringkv.resp.command.ClusterCommands;
import io.ringkv.resp.command.RingCommands;
import io.ringkv.resp.command.Router;
import io.ringkv.ring.Consistency;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.coordinator.CoordinatorSettings;
import io.ringkv.ring.membership.StaticMembership;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.transport.LocalMessagingService;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.netty.NettyMessagingService;
import io.ringkv.ring.transport.netty.TransportLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import io.ringkv.resp.command.CommandTable;
import io.ringkv.resp.command.ConnectionCommands;
import io.ringkv.resp.command.KeyspaceCommands;
import io.ringkv.resp.command.ServerCommands;
import io.ringkv.resp.command.ServerContext;
import io.ringkv.resp.command.StringCommands;
import io.ringkv.resp.config.ServerConfig;
import io.ringkv.resp.netty.RespServer;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.lsm.FsyncMode;
import io.ringkv.storage.lsm.LsmEngine;
import io.ringkv.storage.lsm.LsmOptions;
import io.ringkv.storage.memory.MemoryEngine;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the one place where a node's objects are built and wired together.
 * Several nodes can run in one JVM (tests, {@code bin/ringkv dev}); nothing here is static.
 */
public final class NodeBootstrap implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeBootstrap.class);
    /** Striped key locks of the replica store. */
    private static final int KEY_LOCK_STRIPES = 4096;
    /** Event-loop threads of the inter-node transport. */
    private static final int CLUSTER_IO_THREADS = 1;
    /** Partitions one SCAN call visits at most before handing back a cursor. */
    private static final int SCAN_PARTITIONS_PER_CALL_MAX = 16;

    private final ServerConfig config;
    private final StorageEngine engine;
    private final ReplicaStore store;
    private final ClusterService cluster;
    private final MessagingService messaging;
    private final StaticMembership membership;
    private final EventLoopGroup clusterLoop;
    private final ServerContext context;
    private final RespServer server;
    private final ScheduledExecutorService background;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private InetSocketAddress address;

    private NodeBootstrap(ServerConfig config, Clock clock) throws IOException {
        this.config = config;
        config.setDerived("appendonly", config.storageEngine().equals("memory") ? "no" : "yes");
        int offset = config.getInt("cluster-port-offset");
        List<Member> members;
        NodeId self;
        if (config.get("seeds").isBlank()) {
            self = new NodeId(config.get("node-id").isEmpty() ? "n1" : config.get("node-id"));
            members = List.of(new Member(self, config.bind(), config.port(), config.port() + offset, config.getInt("weight")));
        } else {
            members = SeedList.parse(config.get("seeds"), offset);
            if (config.get("node-id").isEmpty()) {
                throw new IllegalArgumentException("node-id is required when seeds are given (it names this node in the seed list)");
            }
            self = new NodeId(config.get("node-id"));
            if (members.stream().noneMatch(m -> m.id().equals(self))) {
                throw new IllegalArgumentException("node-id " + self + " is not in seeds: " + config.get("seeds"));
            }
        }
        RingSnapshot ring = RingSnapshot.initial(members, config.getInt("partitions"), config.getInt("replication-factor"));
        Member me = ring.member(self);
        this.engine = openEngine(config, clock);
        this.store = new ReplicaStore(engine, ring.partitioner(), clock, new SplittableRandom(), KEY_LOCK_STRIPES,
                config.getInt("siblings-warn"), config.getInt("siblings-max"));
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringkv-cron-" + self);
            t.setDaemon(true);
            return t;
        });
        byte[] secret = config.get("cluster-secret").getBytes(StandardCharsets.UTF_8);
        if (members.size() == 1) {
            this.clusterLoop = null;
            this.messaging = new LocalMessagingService(self);
        } else {
            // Netty's own thread factory: its FastThreadLocalThreads keep buffer recyclers fast.
            this.clusterLoop = new MultiThreadIoEventLoopGroup(CLUSTER_IO_THREADS, new DefaultThreadFactory("ringkv-cluster-" + self, true),
                    Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
            TransportLimits limits = TransportLimits.defaults()
                    .withFrameBytesMax((int) Math.min(Integer.MAX_VALUE, config.getLong("cluster-frame-bytes-max")))
                    .withInFlightPerPeerMax(config.getInt("cluster-in-flight-per-peer-max"));
            Map<NodeId, String[]> overrides = SeedList.parseAddresses(config.get("peer-cluster-addresses"));
            // Resolved at each connect: a peer's host name may only resolve once it is up.
            NettyMessagingService netty = new NettyMessagingService(self, config.bind(), me.clusterPort(), id -> {
                String[] o = overrides.get(id);
                if (o != null) {
                    return new InetSocketAddress(o[0], Integer.parseInt(o[1]));
                }
                Member m = ring.member(id);
                return m == null ? null : new InetSocketAddress(m.host(), m.clusterPort());
            }, secret, limits, clusterLoop, clock);
            this.messaging = netty;
            try {
                netty.start();
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }
        this.membership = new StaticMembership(ring, self, clock);
        Consistency defaults = config.defaultConsistency();
        CoordinatorSettings settings = new CoordinatorSettings(defaults, config.getInt("request-timeout-ms"),
                config.getInt("read-repair-percent") / 100.0, config.getInt("coordinator-key-waiters-max"), SCAN_PARTITIONS_PER_CALL_MAX);
        this.cluster = new ClusterService(self, membership, messaging, store, clock, new SplittableRandom(), settings);
        CommandTable table = new CommandTable();
        ConnectionCommands.register(table);
        StringCommands.register(table);
        KeyspaceCommands.register(table);
        ServerCommands.register(table);
        ClusterCommands.register(table);
        RingCommands.register(table);
        String runId = UUID.randomUUID().toString().replace("-", "") + "00000000";
        this.context = new ServerContext(config, cluster, messaging, secret, clock, table, ring.partitioner(),
                runId.substring(0, 40), self.id(), this::closeAsync);
        table.router(new Router(context));
        int ioThreads = config.getInt("io-threads") > 0 ? config.getInt("io-threads") : Runtime.getRuntime().availableProcessors();
        this.server = new RespServer(context, ioThreads);
        if (members.size() > 1) {
            Scheduler scheduler = (delayMillis, task) -> {
                java.util.concurrent.ScheduledFuture<?> f = background.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            };
            long probeMillis = config.getInt("probe-interval-ms");
            membership.startProbing(messaging, scheduler, probeMillis, Math.max(probeMillis, config.getInt("request-timeout-ms")));
        }
    }

    private static StorageEngine openEngine(ServerConfig config, Clock clock) {
        if (config.storageEngine().equals("memory")) {
            return new MemoryEngine();
        }
        Path dir = Path.of(config.dataDir());
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create data directory " + dir + ": " + e.getMessage(), e);
        }
        LsmOptions options = LsmOptions.builder()
                .fsyncMode(FsyncMode.parse(config.get("appendfsync")))
                .memtableBytesMax(config.getLong("storage.memtable-bytes-max"))
                .blockCacheBytes(config.getLong("storage.block-cache-bytes"))
                .bloomBitsPerKey(config.getInt("storage.bloom-bits-per-key"))
                .blockBytes(config.getInt("storage.block-bytes"))
                .targetFileBytes(config.getLong("storage.target-file-bytes"))
                .levelBaseBytes(config.getLong("storage.level-base-bytes"))
                .l0CompactionTrigger(config.getInt("storage.l0-compaction-trigger"))
                .l0SlowdownTrigger(config.getInt("storage.l0-slowdown-trigger"))
                .l0StopTrigger(config.getInt("storage.l0-stop-trigger"))
                .pendingCompactionBytesStop(config.getLong("storage.pending-compaction-bytes-stop"))
                .compression(config.getBool("storage.compression"))
                .compactionThreads(config.getInt("storage.compaction-threads"))
                .clock(clock)
                .build();
        // Compaction drops keys holding only tombstones and expired versions past the grace.
        EntryFilter dead = ReplicaStore.compactionFilter(clock, config.getInt("tombstone-grace-seconds") * 1000L);
        return LsmEngine.open(dir.resolve("lsm"), options, dead);
    }

    /** Builds the node and starts listening. */
    public static NodeBootstrap start(ServerConfig config, Clock clock) throws InterruptedException, IOException {
        NodeBootstrap node = new NodeBootstrap(config, clock);
        try {
            node.address = node.server.start(config.bind(), config.port());
        } catch (RuntimeException | InterruptedException e) {
            node.close();
            throw e;
        }
        node.scheduleCron();
        log.info("RingKV node {} listening on {}:{} (storage engine {})", node.context.nodeId(),
                node.address.getAddress().getHostAddress(), node.address.getPort(), node.engine.name());
        return node;
    }

    private void scheduleCron() {
        int hz = Math.max(1, Math.min(500, config.getInt("hz")));
        background.scheduleWithFixedDelay(() -> {
            try {
                store.activeExpireCycle(config.getInt("active-expire-keys-per-cycle"));
                server.closeIdleClients();
            } catch (RuntimeException e) {
                log.error("background cycle failed", e);
            }
        }, 1000 / hz, 1000 / hz, TimeUnit.MILLISECONDS);
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    public ServerContext context() {
        return context;
    }

    /** Blocks until the node has stopped (SHUTDOWN or close()). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    private void closeAsync() {
        Thread t = new Thread(this::close, "ringkv-shutdown");
        t.start();
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            if (membership != null) {
                membership.stop();
            }
            if (background != null) {
                background.shutdownNow();
            }
            if (server != null) {
                server.close();
            }
            if (messaging != null) {
                messaging.close();
            }
            if (clusterLoop != null) {
                clusterLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            if (engine != null) {
                engine.close();
            }
            log.info("RingKV node {} stopped", context == null ? "?" : context.nodeId());
        } finally {
            stopped.countDown();
        }
    }
}
