package io.ringkv.node;

import io.ringkv.common.Clock;
import io.ringkv.resp.command.CommandTable;
import io.ringkv.resp.command.ConnectionCommands;
import io.ringkv.resp.command.KeyspaceCommands;
import io.ringkv.resp.command.ServerCommands;
import io.ringkv.resp.command.ServerContext;
import io.ringkv.resp.command.StringCommands;
import io.ringkv.resp.config.ServerConfig;
import io.ringkv.resp.netty.RespServer;
import io.ringkv.ring.local.LocalKeyValueService;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.Record;
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
    /** Striped key locks for read-modify-write commands. */
    private static final int KEY_LOCK_STRIPES = 4096;

    private final ServerConfig config;
    private final StorageEngine engine;
    private final LocalKeyValueService kv;
    private final ServerContext context;
    private final RespServer server;
    private final ScheduledExecutorService background;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private InetSocketAddress address;

    private NodeBootstrap(ServerConfig config, Clock clock) {
        this.config = config;
        config.setDerived("appendonly", config.storageEngine().equals("memory") ? "no" : "yes");
        this.engine = openEngine(config, clock);
        this.kv = new LocalKeyValueService(engine, clock, new SplittableRandom(), KEY_LOCK_STRIPES);
        CommandTable table = new CommandTable();
        ConnectionCommands.register(table);
        StringCommands.register(table);
        KeyspaceCommands.register(table);
        ServerCommands.register(table);
        String nodeId = config.get("node-id").isEmpty() ? config.bind() + ":" + config.port() : config.get("node-id");
        String runId = UUID.randomUUID().toString().replace("-", "") + "00000000";
        this.context = new ServerContext(config, kv, clock, table, new Partitioner(config.getInt("partitions")),
                runId.substring(0, 40), nodeId, this::closeAsync);
        int ioThreads = config.getInt("io-threads") > 0 ? config.getInt("io-threads") : Runtime.getRuntime().availableProcessors();
        this.server = new RespServer(context, ioThreads);
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringkv-cron-" + nodeId);
            t.setDaemon(true);
            return t;
        });
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
        // Compaction drops records whose TTL has passed; the engine never parses values itself.
        EntryFilter expired = (key, value) -> Record.decode(value).isExpired(clock.currentTimeMillis());
        return LsmEngine.open(dir.resolve("lsm"), options, expired);
    }

    /** Builds the node and starts listening. */
    public static NodeBootstrap start(ServerConfig config, Clock clock) throws InterruptedException {
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
                kv.activeExpireCycle(config.getInt("active-expire-keys-per-cycle"));
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
            background.shutdownNow();
            server.close();
            engine.close();
            log.info("RingKV node {} stopped", context.nodeId());
        } finally {
            stopped.countDown();
        }
    }
}
