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
import io.ringkv.resp.command.RingServices;
import io.ringkv.ring.hints.HintSettings;
import io.ringkv.ring.hints.HintStore;
import io.ringkv.ring.hints.HintedHandoff;
import io.ringkv.ring.membership.ApplicationState;
import io.ringkv.ring.membership.FileGenerationStore;
import io.ringkv.ring.membership.GossipMembership;
import io.ringkv.ring.membership.InMemoryGenerationStore;
import io.ringkv.ring.membership.InMemoryRingStore;
import io.ringkv.ring.membership.GossipSettings;
import io.ringkv.ring.membership.Gossiper;
import io.ringkv.ring.membership.Membership;
import io.ringkv.ring.membership.MembershipListener;
import io.ringkv.ring.membership.NodeStatus;
import io.ringkv.ring.membership.PhiAccrualSettings;
import io.ringkv.ring.membership.RingManager;
import io.ringkv.ring.membership.StaticMembership;
import io.ringkv.ring.repair.RepairService;
import io.ringkv.ring.repair.RepairSettings;
import io.ringkv.ring.repair.RepairTrees;
import io.ringkv.ring.streaming.StreamSettings;
import io.ringkv.ring.streaming.StreamService;
import java.util.HashMap;
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
    private final Membership membership;
    /** Null on a standalone node. */
    private final GossipMembership gossip;
    /** The transport's address lookup runs before the constructor finishes: it reads this. */
    private volatile GossipMembership gossipRef;
    private final StorageEngine hintsEngine;
    private RepairTrees trees;
    private final RingServices services;
    private final ScheduledExecutorService gossipThread;
    private final ScheduledExecutorService maintenanceThread;
    /** Cluster addresses of nodes an operator pointed this node at (RING JOIN host:port). */
    private final Map<NodeId, InetSocketAddress> contactedAddresses = new java.util.concurrent.ConcurrentHashMap<>();
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
        boolean clustered = !config.get("seeds").isBlank();
        List<Member> seeds;
        NodeId self;
        Member me;
        if (!clustered) {
            self = new NodeId(config.get("node-id").isEmpty() ? "n1" : config.get("node-id"));
            me = new Member(self, config.bind(), config.port(), config.port() + offset, config.getInt("weight"));
            seeds = List.of(me);
        } else {
            seeds = SeedList.parse(config.get("seeds"), offset);
            if (config.get("node-id").isEmpty()) {
                throw new IllegalArgumentException("node-id is required when seeds are given");
            }
            self = new NodeId(config.get("node-id"));
            String host = config.get("announce-host").isEmpty() ? config.bind() : config.get("announce-host");
            me = seeds.stream().filter(m -> m.id().equals(self)).findFirst()
                    .orElse(new Member(self, host, config.port(), config.port() + offset, config.getInt("weight")));
        }
        int partitions = config.getInt("partitions");
        int replicationFactor = config.getInt("replication-factor");
        boolean lsm = !config.storageEngine().equals("memory");
        Path dataDir = Path.of(config.dataDir());
        if (lsm) {
            createDirectories(dataDir);
        }
        RingManager.RingStore ringStore = clustered && lsm ? new FileRingStore(dataDir) : new InMemoryRingStore();
        RingSnapshot ring;
        if (!clustered) {
            ring = RingSnapshot.initial(seeds, partitions, replicationFactor);
        } else {
            // The stored ring (the last one seen) beats the seed list, which may describe a ring
            // long gone. A node in neither joins: it starts from a version-0 ring of itself,
            // which the first gossiped ring replaces.
            ring = ringStore.load().orElseGet(() -> seeds.stream().anyMatch(m -> m.id().equals(self))
                    ? RingSnapshot.initial(seeds, partitions, replicationFactor)
                    : RingSnapshot.unjoined(me, partitions, replicationFactor));
            if (ring.partitionCount() != partitions) {
                throw new IllegalArgumentException("partitions is " + partitions + " but the ring has " + ring.partitionCount()
                        + " (fixed at cluster creation)");
            }
        }
        this.engine = openEngine(config, clock, this::lastFullRepairMillis, ring.partitioner());
        this.store = new ReplicaStore(engine, ring.partitioner(), clock, new SplittableRandom(), KEY_LOCK_STRIPES,
                config.getInt("siblings-warn"), config.getInt("siblings-max"));
        this.background = singleThread("ringkv-cron-" + self);
        this.gossipThread = clustered ? singleThread("ringkv-gossip-" + self) : null;
        this.maintenanceThread = clustered ? singleThread("ringkv-maintenance-" + self) : null;
        byte[] secret = config.get("cluster-secret").getBytes(StandardCharsets.UTF_8);
        if (!clustered) {
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
            Map<NodeId, Member> seedById = new HashMap<>();
            for (Member m : seeds) {
                seedById.put(m.id(), m);
            }
            // Resolved at each connect, from what is known then: an override, the ring, gossip,
            // then the seed list (a peer's host name may only resolve once it is up).
            NettyMessagingService netty = new NettyMessagingService(self, config.bind(), me.clusterPort(), id -> {
                String[] o = overrides.get(id);
                if (o != null) {
                    return new InetSocketAddress(o[0], Integer.parseInt(o[1]));
                }
                InetSocketAddress contacted = contactedAddresses.get(id);
                if (contacted != null) {
                    return contacted;
                }
                GossipMembership g = gossipRef;
                Member m = g == null ? null : g.ring().member(id);
                if (m != null) {
                    return new InetSocketAddress(m.host(), m.clusterPort());
                }
                String gossiped = g == null ? null : g.clusterAddress(id).orElse(null);
                if (gossiped != null) {
                    int colon = gossiped.lastIndexOf(':');
                    return new InetSocketAddress(gossiped.substring(0, colon), Integer.parseInt(gossiped.substring(colon + 1)));
                }
                Member seed = seedById.get(id);
                return seed == null ? null : new InetSocketAddress(seed.host(), seed.clusterPort());
            }, secret, limits, clusterLoop, clock);
            this.messaging = netty;
            try {
                netty.start();
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }
        Consistency defaults = config.defaultConsistency();
        CoordinatorSettings settings = new CoordinatorSettings(defaults, config.getInt("request-timeout-ms"),
                config.getInt("read-repair-percent") / 100.0, config.getInt("coordinator-key-waiters-max"), SCAN_PARTITIONS_PER_CALL_MAX)
                .withSloppyQuorum(config.getBool("sloppy-quorum"));
        RingServices services;
        if (!clustered) {
            this.membership = new StaticMembership(ring, self, clock);
            this.gossip = null;
            this.hintsEngine = null;
            this.cluster = new ClusterService(self, membership, messaging, store, clock, new SplittableRandom(), settings);
            services = RingServices.none();
        } else {
            Scheduler gossipScheduler = scheduler(gossipThread);
            Scheduler maintenance = scheduler(maintenanceThread);
            List<NodeId> seedIds = seeds.stream().map(Member::id).toList();
            PhiAccrualSettings phi = new PhiAccrualSettings(config.getInt("phi-threshold"), config.getInt("phi-window-size"),
                    config.getInt("phi-min-std-dev-ms"), config.getInt("phi-acceptable-pause-ms"), config.getInt("gossip-interval-ms"));
            GossipSettings gossipSettings = GossipSettings.defaults(seedIds).withGossipIntervalMillis(config.getInt("gossip-interval-ms"))
                    .withGossipFanout(config.getInt("gossip-fanout")).withPhi(phi);
            Map<ApplicationState, String> states = new HashMap<>();
            states.put(ApplicationState.CLIENT_ADDRESS, me.host() + ":" + me.clientPort());
            states.put(ApplicationState.CLUSTER_ADDRESS, me.host() + ":" + me.clusterPort());
            states.put(ApplicationState.WEIGHT, Integer.toString(me.weight()));
            states.put(ApplicationState.STATUS, (ring.isCurrentMember(self) ? NodeStatus.NORMAL : NodeStatus.JOINING).text());
            Gossiper gossiper = new Gossiper(self, gossipSettings, ring, states,
                    lsm ? new FileGenerationStore(dataDir) : new InMemoryGenerationStore(), messaging, gossipScheduler,
                    clock, new SplittableRandom());
            this.gossip = new GossipMembership(gossiper, clock);
            this.gossipRef = gossip;
            this.membership = gossip;
            HintSettings hintSettings = new HintSettings(config.getInt("hint-window-ms"), config.getLong("hint-bytes-per-target-max"),
                    config.getInt("hint-delivery-interval-ms"), config.getLong("hint-delivery-bytes-per-second"),
                    HintSettings.DEFAULT_HINT_DELIVERY_IN_FLIGHT_MAX, HintSettings.DEFAULT_HINT_DELIVERY_TIMEOUT_MILLIS);
            this.hintsEngine = lsm ? openLsm(config, clock, dataDir.resolve("hints"), null) : new MemoryEngine();
            HintStore hints = new HintStore(hintsEngine, clock, hintSettings, gossip::downSinceMillis);
            this.cluster = new ClusterService(self, membership, messaging, store, clock, new SplittableRandom(), settings, hints);
            HintedHandoff handoff = new HintedHandoff(self, hints, membership, messaging, maintenance, clock, hintSettings);
            RepairSettings repairSettings = new RepairSettings(config.getInt("repair-leaf-count"),
                    config.getInt("repair-tree-build-keys-per-second"), config.getInt("repair-tree-rebuild-interval-ms"),
                    config.getInt("repair-interval-ms"), config.getLong("repair-bytes-per-second"), RepairSettings.MESSAGE_BYTES_MAX_DEFAULT,
                    RepairSettings.REQUEST_TIMEOUT_MILLIS_DEFAULT, RepairSettings.CLOCK_SKEW_MARGIN_MILLIS_DEFAULT);
            this.trees = new RepairTrees(store, ring.partitioner(), clock, repairSettings);
            RepairService repair = new RepairService(self, membership, messaging, store, trees, maintenance, clock, repairSettings);
            StreamSettings streamSettings = new StreamSettings(config.getLong("stream-bytes-per-second"),
                    config.getInt("stream-partitions-in-flight"), StreamSettings.STREAM_PAGE_BYTES_MAX_DEFAULT,
                    StreamSettings.STREAM_PAGE_KEYS_MAX_DEFAULT, StreamSettings.STREAM_REQUEST_TIMEOUT_MILLIS_DEFAULT,
                    StreamSettings.STREAM_RETRY_BACKOFF_MILLIS_DEFAULT, StreamSettings.STREAM_RETRY_BACKOFF_MAX_MILLIS_DEFAULT,
                    config.getInt("cleanup-keys-per-second"));
            StreamService streams = new StreamService(messaging, store, ring.partitioner(), clock, maintenance, streamSettings, membership::isAlive);
            RingManager ringManager = new RingManager(me, gossip, streams, ringStore, maintenance, clock,
                    new RingManager.Settings(config.getInt("gossip-interval-ms"), config.getInt("ring-settle-ms"),
                            3L * config.getInt("gossip-interval-ms"), config.getBool("auto-join")), this::closeAsync);
            NettyMessagingService netty = (NettyMessagingService) messaging;
            gossip.addListener(new MembershipListener() {
                @Override
                public void onUp(NodeId node) {
                    netty.clearBackoff(node); // before hint replay, which would otherwise fail at once
                    handoff.onNodeUp(node);
                }

                @Override
                public void onStateChanged(NodeId node, ApplicationState state, String value) {
                    NodeStatus status = state.equals(ApplicationState.STATUS) ? NodeStatus.parse(value) : null;
                    if (status != null && status.isGone() && !node.equals(self)) {
                        netty.forget(node); // it left: no more requests go there
                    }
                }

                @Override
                public void onForgotten(NodeId node) {
                    netty.forget(node);
                }
            });
            RingServices.SeedContact contact = (host, clientPort) -> {
                InetSocketAddress clusterAddress = new InetSocketAddress(host, clientPort + offset);
                return netty.identify(clusterAddress, config.getInt("request-timeout-ms")).thenApply(id -> {
                    contactedAddresses.put(id, clusterAddress);
                    return id;
                });
            };
            services = new RingServices(gossip, ringManager, handoff, repair, streams, contact);
            if (!config.get("replace-node").isEmpty()) {
                ringManager.replace(new NodeId(config.get("replace-node")));
            }
        }
        this.services = services;
        CommandTable table = new CommandTable();
        ConnectionCommands.register(table);
        StringCommands.register(table);
        KeyspaceCommands.register(table);
        ServerCommands.register(table);
        ClusterCommands.register(table);
        RingCommands.register(table);
        String runId = UUID.randomUUID().toString().replace("-", "") + "00000000";
        this.context = new ServerContext(config, cluster, messaging, secret, clock, table, ring.partitioner(),
                runId.substring(0, 40), self.id(), this::closeAsync, services);
        table.router(new Router(context));
        int ioThreads = config.getInt("io-threads") > 0 ? config.getInt("io-threads") : Runtime.getRuntime().availableProcessors();
        this.server = new RespServer(context, ioThreads);
        if (clustered) {
            gossip.start();
            services.handoff().start();
            trees.start(scheduler(maintenanceThread));
            services.repair().start();
            services.ringManager().start();
        }
    }

    /** The compaction filter's view of when each partition was last repaired with all replicas. */
    private long lastFullRepairMillis(int partition) {
        ReplicaStore s = store;
        // Before the store exists (engine recovery), nothing was repaired: keep every tombstone.
        return s == null ? Long.MIN_VALUE : s.lastFullRepairMillis(partition);
    }

    private static ScheduledExecutorService singleThread(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private static Scheduler scheduler(ScheduledExecutorService executor) {
        return (delayMillis, task) -> {
            java.util.concurrent.ScheduledFuture<?> f = executor.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("background task failed", e);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static StorageEngine openEngine(ServerConfig config, Clock clock, java.util.function.IntToLongFunction lastFullRepairMillis,
            io.ringkv.ring.partition.Partitioner partitioner) {
        if (config.storageEngine().equals("memory")) {
            return new MemoryEngine();
        }
        // Compaction drops keys holding only tombstones and expired versions past the grace,
        // and only once a repair with every replica has run since (so all of them have it).
        EntryFilter dead = ReplicaStore.compactionFilter(clock, config.getInt("tombstone-grace-seconds") * 1000L, partitioner,
                lastFullRepairMillis);
        return openLsm(config, clock, Path.of(config.dataDir()).resolve("lsm"), dead);
    }

    private static StorageEngine openLsm(ServerConfig config, Clock clock, Path dir, EntryFilter filter) {
        createDirectories(dir.getParent());
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
        return LsmEngine.open(dir, options, filter == null ? EntryFilter.KEEP_ALL : filter);
    }

    /** Builds the node and starts listening. */
    public static NodeBootstrap start(ServerConfig config, Clock clock) throws InterruptedException, IOException {
        NodeBootstrap node = new NodeBootstrap(config, clock);
        try {
            node.awaitRing();
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

    /** Longest a node outside every ring waits for gossip to bring it one before start fails. */
    private static final long RING_WAIT_MILLIS_MAX = 120_000;

    /**
     * A node starting outside any ring (joining) serves clients only once gossip has brought
     * it the cluster's ring: before that it would route every key to itself.
     */
    private void awaitRing() throws InterruptedException {
        if (gossip == null || gossip.ring().version() > 0) {
            return;
        }
        log.info("node {} waits for the ring from its seeds ({})", context.nodeId(), config.get("seeds"));
        CountDownLatch learned = new CountDownLatch(1);
        MembershipListener listener = new MembershipListener() {
            @Override
            public void onRingChanged(RingSnapshot previous, RingSnapshot current) {
                if (current.version() > 0) {
                    learned.countDown();
                }
            }
        };
        gossip.addListener(listener);
        try {
            // Checked again after registering: the ring may have arrived in between.
            if (gossip.ring().version() == 0 && !learned.await(RING_WAIT_MILLIS_MAX, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("no ring learned from the seeds within " + RING_WAIT_MILLIS_MAX + " ms: " + config.get("seeds"));
            }
        } finally {
            gossip.removeListener(listener);
        }
        log.info("node {} learned ring version {}", context.nodeId(), gossip.ring().version());
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
            if (services != null && services.clustered()) {
                services.ringManager().stop();
                services.repair().stop();
                services.handoff().stop();
                services.streams().stop();
                gossip.stop();
            }
            if (trees != null) {
                trees.stop();
            }
            for (ScheduledExecutorService e : new ScheduledExecutorService[] {background, gossipThread, maintenanceThread}) {
                if (e != null) {
                    e.shutdownNow();
                }
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
            if (hintsEngine != null) {
                hintsEngine.close();
            }
            log.info("RingKV node {} stopped", context == null ? "?" : context.nodeId());
        } finally {
            stopped.countDown();
        }
    }
}
