package io.ringkv.ring.repair;

import io.ringkv.common.ByteSink;
import io.ringkv.common.Clock;
import io.ringkv.common.Pacer;
import io.ringkv.common.Scheduler;
import io.ringkv.common.WireReader;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.membership.Membership;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.Verb;
import io.ringkv.ring.version.Siblings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy between the replicas of a partition, sans-IO over {@link MessagingService}:
 * compares this node's {@link TictacTree} with each peer's, descends only into differing
 * branches and leaves, lists only the keys of differing leaves, and fetches and merges only
 * the keys whose version digests differ; whatever the peer lacks after the merge is pushed to
 * it with {@link Verb#REPLICA_WRITE}. Merging is by version ({@link Siblings#merge}), so an
 * expired value meets its reclaimed tombstone and a deleted value its tombstone, and the
 * tombstones win: repair never brings them back.
 *
 * <p>Verbs (all integers big-endian, "lp" = varint length-prefixed bytes):
 *
 * <pre>
 *   REPAIR_TREE  request: u32 partition, u32 leafCount, u8 level (0 root, 1 branches, 2 leaves),
 *                         varint n, n x varint branch (level 2 only: whose leaves)
 *                reply:   u8 status (0 ok, 1 tree not built, 2 other leaf count),
 *                         then (ok) u64 hashes: 1 | branchCount | n x leavesPerBranch
 *   REPAIR_KEYS  request: u32 partition, u32 leafCount, lp resumeAfter (storage key, empty = start),
 *                         varint n (at most {@link #LEAVES_PER_KEYS_REQUEST_MAX}), n x varint leaf ascending
 *                reply:   u8 status (0), u8 more, [lp resumeAfter if more],
 *                         varint count, count x (lp key, u64 version digest)
 *   REPAIR_FETCH request: varint n (at most {@link #KEYS_PER_FETCH_MAX}), n x lp key
 *                reply:   varint served (1..n, fewer when the reply reached messageBytesMax),
 *                         served x lp encoded sibling set (an empty set when absent)
 * </pre>
 *
 * <p>{@link #repair(int)} exchanges with each other live replica in preference-list order; if
 * a later peer taught this node something, a second round brings the earlier peers up to date.
 * When every replica took part and every exchange succeeded the repair is <em>full</em>: its
 * start (less {@code clockSkewMarginMillis}) is recorded with
 * {@link ReplicaStore#recordFullRepair} and lets compaction reap older tombstones. Request and
 * reply bytes are paced to {@code repairBytesPerSecond}; each message is bounded by
 * {@code messageBytesMax} (key listings and fetches continue in further requests).
 *
 * <p>Thread-safe. Repairs of different partitions may run at once; a second {@code repair}
 * of a partition being repaired joins the running one.
 */
public final class RepairService {
    private static final Logger log = LoggerFactory.getLogger(RepairService.class);

    /** Leaves one REPAIR_KEYS request lists; also what one comparison holds in memory at once. */
    public static final int LEAVES_PER_KEYS_REQUEST_MAX = 64;
    /** Keys one REPAIR_FETCH request asks for. */
    public static final int KEYS_PER_FETCH_MAX = 512;
    /** Pushes (REPLICA_WRITE) in flight at once per exchange. */
    static final int PUSHES_IN_FLIGHT_MAX = 32;

    private static final int STATUS_OK = 0;
    private static final int STATUS_NOT_BUILT = 1;
    private static final int STATUS_SHAPE = 2;
    private static final int LEVEL_ROOT = 0;
    private static final int LEVEL_BRANCHES = 1;
    private static final int LEVEL_LEAVES = 2;

    private final NodeId self;
    private final Membership membership;
    private final MessagingService messaging;
    private final ReplicaStore store;
    private final RepairTrees trees;
    private final Scheduler scheduler;
    private final Clock clock;
    private final RepairSettings settings;
    private final ConcurrentHashMap<Integer, CompletableFuture<RepairResult>> running = new ConcurrentHashMap<>();
    /** Request and reply bytes of every exchange: {@code repairBytesPerSecond}. */
    private final Pacer pacer;
    private final LongAdder repairsCompleted = new LongAdder();
    private final LongAdder repairsFull = new LongAdder();
    private final LongAdder peerFailures = new LongAdder();
    private final LongAdder keysRepaired = new LongAdder();
    private final LongAdder keysDiffering = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final AtomicLong lastRepairMillis = new AtomicLong();
    private final AtomicLong lastRepairDurationMillis = new AtomicLong();
    private int periodicCursor;
    private volatile boolean periodicBusy;
    private volatile boolean stopped;

    /** Registers the REPAIR_* handlers on {@code messaging}. */
    public RepairService(NodeId self, Membership membership, MessagingService messaging, ReplicaStore store, RepairTrees trees,
            Scheduler scheduler, Clock clock, RepairSettings settings) {
        if (trees.leafCount() != settings.leafCount()) {
            throw new IllegalArgumentException("trees have " + trees.leafCount() + " leaves, settings say " + settings.leafCount());
        }
        this.self = self;
        this.membership = membership;
        this.messaging = messaging;
        this.store = store;
        this.trees = trees;
        this.scheduler = scheduler;
        this.clock = clock;
        this.pacer = new Pacer(clock, settings.repairBytesPerSecond());
        this.settings = settings;
        messaging.register(Verb.REPAIR_TREE, (from, p) -> CompletableFuture.completedFuture(serveTree(p)));
        messaging.register(Verb.REPAIR_KEYS, (from, p) -> CompletableFuture.completedFuture(serveKeys(p)));
        messaging.register(Verb.REPAIR_FETCH, (from, p) -> CompletableFuture.completedFuture(serveFetch(p)));
    }

    // ------------------------------------------------------------------ serving

    private int readPartition(WireReader r) {
        int partition = r.u32();
        if (partition < 0 || partition >= trees.partitioner().partitionCount()) {
            throw new IllegalArgumentException("no partition " + partition);
        }
        return partition;
    }

    private byte[] serveTree(byte[] payload) {
        WireReader r = new WireReader(payload);
        int partition = readPartition(r);
        int leafCount = r.u32();
        int level = r.u8();
        int n = r.length(trees.branchCount());
        int[] branches = new int[n];
        for (int i = 0; i < n; i++) {
            branches[i] = r.length(trees.branchCount() - 1);
        }
        r.expectEnd();
        if (leafCount != trees.leafCount()) {
            return new byte[] {STATUS_SHAPE};
        }
        long[] hashes;
        switch (level) {
            case LEVEL_ROOT -> {
                Long root = trees.root(partition);
                hashes = root == null ? null : new long[] {root};
            }
            case LEVEL_BRANCHES -> hashes = trees.branches(partition);
            case LEVEL_LEAVES -> hashes = trees.leavesOf(partition, branches);
            default -> throw new IllegalArgumentException("no tree level " + level);
        }
        if (hashes == null) {
            return new byte[] {STATUS_NOT_BUILT};
        }
        ByteSink out = new ByteSink(1 + 8 * hashes.length).writeByte(STATUS_OK);
        for (long h : hashes) {
            out.writeLong(h);
        }
        return out.toByteArray();
    }

    private byte[] serveKeys(byte[] payload) {
        WireReader r = new WireReader(payload);
        int partition = readPartition(r);
        int leafCount = r.u32();
        byte[] resume = r.bytes();
        int n = r.length(LEAVES_PER_KEYS_REQUEST_MAX);
        int[] leaves = new int[n];
        for (int i = 0; i < n; i++) {
            leaves[i] = r.length(trees.leafCount() - 1);
            if (i > 0 && leaves[i] <= leaves[i - 1]) {
                throw new IllegalArgumentException("leaves not ascending");
            }
        }
        r.expectEnd();
        if (leafCount != trees.leafCount()) {
            return new byte[] {STATUS_SHAPE};
        }
        RepairTrees.LeafListing listing = trees.listLeaves(partition, leaves, resume.length == 0 ? null : resume,
                settings.messageBytesMax());
        ByteSink out = new ByteSink(64 + listing.entries().size() * 24).writeByte(STATUS_OK);
        if (listing.resumeAfter() == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1).writeLengthPrefixed(listing.resumeAfter());
        }
        out.writeVarLong(listing.entries().size());
        for (RepairTrees.KeyDigest e : listing.entries()) {
            out.writeLengthPrefixed(e.key()).writeLong(e.digest());
        }
        return out.toByteArray();
    }

    private byte[] serveFetch(byte[] payload) {
        WireReader r = new WireReader(payload);
        int n = r.length(KEYS_PER_FETCH_MAX);
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(r.bytes());
        }
        r.expectEnd();
        List<byte[]> sets = new ArrayList<>(n);
        int bytes = 0;
        for (byte[] key : keys) {
            if (!sets.isEmpty() && bytes >= settings.messageBytesMax()) {
                break; // the requester asks again for the rest
            }
            byte[] set = store.read(key).encode();
            sets.add(set);
            bytes += set.length + 5;
        }
        ByteSink out = new ByteSink(bytes + 8).writeVarLong(sets.size());
        for (byte[] set : sets) {
            out.writeLengthPrefixed(set);
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ repairing

    /** Repairs {@code partition} with its other replicas (see the class comment). */
    public CompletableFuture<RepairResult> repair(int partition) {
        if (partition < 0 || partition >= trees.partitioner().partitionCount()) {
            throw new IllegalArgumentException("no partition " + partition);
        }
        CompletableFuture<RepairResult> mine = new CompletableFuture<>();
        CompletableFuture<RepairResult> existing = running.putIfAbsent(partition, mine);
        if (existing != null) {
            return existing;
        }
        CompletableFuture<RepairResult> run;
        try {
            run = new Repair(partition).run();
        } catch (RuntimeException e) {
            run = CompletableFuture.failedFuture(e);
        }
        run.whenComplete((result, err) -> {
            running.remove(partition, mine);
            if (err != null) {
                log.warn("repair of partition {} failed", partition, err);
                mine.completeExceptionally(err);
            } else {
                mine.complete(result);
            }
        });
        return mine;
    }

    /** Repairs every partition this node replicates, one after another. */
    public CompletableFuture<List<RepairResult>> repairAll() {
        int[] partitions = membership.ring().replicatedPartitions(self);
        List<Integer> list = new ArrayList<>();
        for (int p : partitions) {
            list.add(p);
        }
        List<RepairResult> results = new ArrayList<>();
        return sequentially(list.iterator(), p -> repair(p).thenAccept(results::add)).thenApply(v -> results);
    }

    /** The partition being repaired (the lowest, if several), or -1. */
    public int inProgress() {
        return running.keySet().stream().mapToInt(Integer::intValue).min().orElse(-1);
    }

    /** Starts periodic repair: every {@code repairIntervalMillis}, the next replicated partition. */
    public void start() {
        if (settings.repairIntervalMillis() == 0) {
            return;
        }
        scheduler.schedule(settings.repairIntervalMillis(), this::periodic);
    }

    public void stop() {
        stopped = true;
    }

    private void periodic() {
        if (stopped) {
            return;
        }
        try {
            if (!periodicBusy) {
                int[] partitions = membership.ring().replicatedPartitions(self);
                if (partitions.length > 0) {
                    int p = partitions[Math.floorMod(periodicCursor++, partitions.length)];
                    periodicBusy = true;
                    repair(p).whenComplete((r, err) -> periodicBusy = false);
                }
            }
        } finally {
            scheduler.schedule(settings.repairIntervalMillis(), this::periodic);
        }
    }

    /** For INFO ring. */
    public Map<String, Long> stats() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("repairs_completed", repairsCompleted.sum());
        m.put("repairs_full", repairsFull.sum());
        m.put("repair_peer_failures", peerFailures.sum());
        m.put("repair_keys_differing", keysDiffering.sum());
        m.put("repair_keys_repaired", keysRepaired.sum());
        m.put("repair_bytes_sent", bytesSent.sum());
        m.put("repair_bytes_received", bytesReceived.sum());
        m.put("repair_bytes", bytesSent.sum() + bytesReceived.sum());
        m.put("repair_last_time_millis", lastRepairMillis.get());
        m.put("repair_last_duration_millis", lastRepairDurationMillis.get());
        m.put("repair_in_progress_partition", (long) inProgress());
        m.putAll(trees.stats());
        return m;
    }

    /** One repair of one partition: its peers, rounds and counters. */
    private final class Repair {
        final int partition;
        final long startedMillis = clock.currentTimeMillis();
        final long startedNanos = clock.nanoTime();
        final List<NodeId> peers = new ArrayList<>();
        final List<NodeId> failed = new ArrayList<>();
        long compared;
        long differing;
        long repaired;
        long sent;
        long received;
        /** Index (in {@link #peers}) of the last peer whose data changed this node's, -1 if none. */
        int lastTeacher = -1;

        Repair(int partition) {
            this.partition = partition;
        }

        CompletableFuture<RepairResult> run() {
            RingSnapshot ring = membership.ring();
            List<NodeId> preference = ring.preferenceList(partition);
            if (!preference.contains(self)) {
                return CompletableFuture.completedFuture(result(RepairResult.NOT_REPLICA, false));
            }
            for (NodeId n : preference) {
                if (!n.equals(self)) {
                    peers.add(n);
                }
            }
            if (!trees.isBuilt(partition)) {
                return CompletableFuture.completedFuture(result(RepairResult.BUILDING, false));
            }
            List<Integer> first = new ArrayList<>();
            for (int i = 0; i < peers.size(); i++) {
                first.add(i);
            }
            return sequentially(first.iterator(), this::exchangeWith).thenCompose(v -> {
                // A later peer taught this node something the earlier ones may lack.
                List<Integer> second = new ArrayList<>();
                for (int i = 0; i < lastTeacher; i++) {
                    if (!failed.contains(peers.get(i))) {
                        second.add(i);
                    }
                }
                return sequentially(second.iterator(), this::exchangeWith);
            }).thenApply(v -> finish());
        }

        private CompletableFuture<Void> exchangeWith(int index) {
            NodeId peer = peers.get(index);
            if (!membership.isAlive(peer)) {
                markFailed(peer);
                return CompletableFuture.completedFuture(null);
            }
            Exchange x = new Exchange(this, peer, index);
            return x.run().handle((v, err) -> {
                if (err != null) {
                    log.info("repair of partition {} with {} failed: {}", partition, peer, unwrap(err).toString());
                    markFailed(peer);
                }
                return null;
            });
        }

        private void markFailed(NodeId peer) {
            if (!failed.contains(peer)) {
                failed.add(peer);
                peerFailures.increment();
            }
        }

        private RepairResult finish() {
            boolean full = failed.isEmpty();
            if (full) {
                store.recordFullRepair(partition, startedMillis - settings.clockSkewMarginMillis());
                repairsFull.increment();
            }
            repairsCompleted.increment();
            lastRepairMillis.set(clock.currentTimeMillis());
            RepairResult r = result(full ? RepairResult.OK : RepairResult.PARTIAL, full);
            lastRepairDurationMillis.set(r.millis());
            return r;
        }

        private RepairResult result(String status, boolean full) {
            long millis = (clock.nanoTime() - startedNanos) / 1_000_000;
            return new RepairResult(partition, status, List.copyOf(peers), List.copyOf(failed), full, compared, differing, repaired,
                    sent, received, millis);
        }
    }

    /** The comparison of this node's tree and data with one peer's. */
    private final class Exchange {
        final Repair repair;
        final NodeId peer;
        final int peerIndex;
        final int partition;

        Exchange(Repair repair, NodeId peer, int peerIndex) {
            this.repair = repair;
            this.peer = peer;
            this.peerIndex = peerIndex;
            this.partition = repair.partition;
        }

        CompletableFuture<Void> run() {
            return treeRequest(LEVEL_ROOT, new int[0]).thenCompose(remoteRoot -> {
                Long localRoot = trees.root(partition);
                if (localRoot == null) {
                    throw new IllegalStateException("local tree of partition " + partition + " is being rebuilt");
                }
                if (localRoot == remoteRoot[0]) {
                    return CompletableFuture.completedFuture(null);
                }
                return treeRequest(LEVEL_BRANCHES, new int[0]).thenCompose(this::descendBranches);
            });
        }

        private CompletableFuture<Void> descendBranches(long[] remote) {
            long[] local = trees.branches(partition);
            List<Integer> differing = new ArrayList<>();
            for (int b = 0; b < local.length; b++) {
                if (local[b] != remote[b]) {
                    differing.add(b);
                }
            }
            // Leaf hashes for as many branches as fit in one message.
            int perRequest = Math.max(1, (settings.messageBytesMax() - 16) / (8 * trees.leavesPerBranch()));
            List<int[]> chunks = chunk(differing, perRequest);
            List<Integer> differingLeaves = new ArrayList<>();
            return sequentially(chunks.iterator(), branches -> treeRequest(LEVEL_LEAVES, branches).thenAccept(remoteLeaves -> {
                long[] localLeaves = trees.leavesOf(partition, branches);
                int per = trees.leavesPerBranch();
                for (int b = 0; b < branches.length; b++) {
                    for (int i = 0; i < per; i++) {
                        if (localLeaves[b * per + i] != remoteLeaves[b * per + i]) {
                            differingLeaves.add(branches[b] * per + i);
                        }
                    }
                }
            })).thenCompose(v -> sequentially(chunk(differingLeaves, LEAVES_PER_KEYS_REQUEST_MAX).iterator(), this::compareLeaves));
        }

        private CompletableFuture<long[]> treeRequest(int level, int[] branches) {
            ByteSink out = new ByteSink(16 + 3 * branches.length).writeInt(partition).writeInt(trees.leafCount()).writeByte(level)
                    .writeVarLong(branches.length);
            for (int b : branches) {
                out.writeVarLong(b);
            }
            return call(Verb.REPAIR_TREE, out.toByteArray()).thenApply(reply -> {
                WireReader r = new WireReader(reply);
                int status = r.u8();
                if (status == STATUS_NOT_BUILT) {
                    throw new IllegalStateException(peer + " is still building its tree of partition " + partition);
                }
                if (status != STATUS_OK) {
                    throw new IllegalStateException(peer + " keeps trees of another leaf count (status " + status + ")");
                }
                int expected = switch (level) {
                    case LEVEL_ROOT -> 1;
                    case LEVEL_BRANCHES -> trees.branchCount();
                    default -> branches.length * trees.leavesPerBranch();
                };
                long[] hashes = new long[expected];
                for (int i = 0; i < expected; i++) {
                    hashes[i] = r.u64();
                }
                r.expectEnd();
                return hashes;
            });
        }

        /** Lists a chunk of differing leaves on both sides and reconciles the keys that differ. */
        private CompletableFuture<Void> compareLeaves(int[] leaves) {
            int[] marks = trees.leafMarks(partition, leaves);
            List<RepairTrees.KeyDigest> local = trees.listLeaves(partition, leaves, null, Integer.MAX_VALUE).entries();
            if (marks != null) {
                trees.resync(partition, leaves, marks, leafHashes(leaves, local));
            }
            Map<ByteBuffer, Long> remote = new HashMap<>();
            return listRemote(leaves, new byte[0], remote).thenCompose(v -> reconcile(local, remote));
        }

        private long[] leafHashes(int[] leaves, List<RepairTrees.KeyDigest> entries) {
            Map<Integer, Integer> index = new HashMap<>();
            for (int i = 0; i < leaves.length; i++) {
                index.put(leaves[i], i);
            }
            long[] hashes = new long[leaves.length];
            for (RepairTrees.KeyDigest e : entries) {
                hashes[index.get(trees.leafOf(e.token()))] ^= TictacTree.contribution(TictacTree.keyHash(e.key()), e.digest());
            }
            return hashes;
        }

        private CompletableFuture<Void> listRemote(int[] leaves, byte[] resume, Map<ByteBuffer, Long> into) {
            ByteSink out = new ByteSink(32 + resume.length + 3 * leaves.length).writeInt(partition).writeInt(trees.leafCount())
                    .writeLengthPrefixed(resume).writeVarLong(leaves.length);
            for (int leaf : leaves) {
                out.writeVarLong(leaf);
            }
            return call(Verb.REPAIR_KEYS, out.toByteArray()).thenCompose(reply -> {
                WireReader r = new WireReader(reply);
                if (r.u8() != STATUS_OK) {
                    throw new IllegalStateException(peer + " keeps trees of another leaf count");
                }
                byte[] next = r.u8() == 1 ? r.bytes() : null;
                long count = r.varint();
                for (long i = 0; i < count; i++) {
                    into.put(ByteBuffer.wrap(r.bytes()), r.u64());
                }
                r.expectEnd();
                if (next == null) {
                    return CompletableFuture.completedFuture(null);
                }
                if (next.length < StorageKeys.TOKEN_BYTES || (resume.length > 0 && Arrays.compareUnsigned(next, resume) <= 0)) {
                    throw new IllegalStateException(peer + " sent a key listing that does not advance");
                }
                return listRemote(leaves, next, into);
            });
        }

        private CompletableFuture<Void> reconcile(List<RepairTrees.KeyDigest> local, Map<ByteBuffer, Long> remote) {
            Map<ByteBuffer, Long> localDigests = new HashMap<>();
            List<byte[]> toPush = new ArrayList<>();
            for (RepairTrees.KeyDigest e : local) {
                ByteBuffer k = ByteBuffer.wrap(e.key());
                localDigests.put(k, e.digest());
                if (!remote.containsKey(k)) {
                    toPush.add(e.key());
                }
            }
            List<byte[]> toFetch = new ArrayList<>();
            for (Map.Entry<ByteBuffer, Long> e : remote.entrySet()) {
                Long mine = localDigests.get(e.getKey());
                if (mine == null || mine.longValue() != e.getValue()) {
                    toFetch.add(e.getKey().array());
                }
            }
            repair.compared += remote.size() + toPush.size(); // the union of both listings
            repair.differing += toPush.size() + toFetch.size();
            keysDiffering.add(toPush.size() + toFetch.size());
            return fetchAndMerge(toFetch, 0, localDigests, remote).thenCompose(v -> pushAll(toPush));
        }

        /** Fetches the peer's sets of {@code keys[from..]}, merges them here, pushes back what the peer lacks. */
        private CompletableFuture<Void> fetchAndMerge(List<byte[]> keys, int from, Map<ByteBuffer, Long> localDigests,
                Map<ByteBuffer, Long> remoteDigests) {
            if (from >= keys.size()) {
                return CompletableFuture.completedFuture(null);
            }
            int n = 0;
            int bytes = 0;
            List<byte[]> asked = new ArrayList<>();
            while (from + n < keys.size() && n < KEYS_PER_FETCH_MAX && (n == 0 || bytes < settings.messageBytesMax())) {
                byte[] k = keys.get(from + n);
                asked.add(k);
                bytes += k.length + 3;
                n++;
            }
            ByteSink out = new ByteSink(bytes + 8).writeVarLong(n);
            for (byte[] k : asked) {
                out.writeLengthPrefixed(k);
            }
            return call(Verb.REPAIR_FETCH, out.toByteArray()).thenCompose(reply -> {
                WireReader r = new WireReader(reply);
                int served = r.length(asked.size());
                if (served == 0) {
                    throw new IllegalStateException(peer + " served none of the keys asked for");
                }
                List<byte[]> pushBack = new ArrayList<>();
                List<Siblings> pushSets = new ArrayList<>();
                for (int i = 0; i < served; i++) {
                    byte[] key = asked.get(i);
                    Siblings theirs = Siblings.decode(r.bytes());
                    Siblings merged = store.merge(key, theirs);
                    long mergedDigest = TictacTree.versionDigest(merged);
                    Long before = localDigests.get(ByteBuffer.wrap(key));
                    if (before == null || before != mergedDigest) {
                        repair.repaired++;
                        keysRepaired.increment();
                        repair.lastTeacher = Math.max(repair.lastTeacher, peerIndex);
                    }
                    Long remoteDigest = remoteDigests.get(ByteBuffer.wrap(key));
                    if (remoteDigest == null || remoteDigest != mergedDigest) {
                        pushBack.add(key);
                        pushSets.add(merged);
                    }
                }
                r.expectEnd();
                return pushSets(pushBack, pushSets).thenCompose(v -> fetchAndMerge(keys, from + served, localDigests, remoteDigests));
            });
        }

        private CompletableFuture<Void> pushAll(List<byte[]> keys) {
            List<Siblings> sets = new ArrayList<>(keys.size());
            for (byte[] k : keys) {
                sets.add(store.read(k));
            }
            return pushSets(keys, sets);
        }

        /** REPLICA_WRITE each set to the peer, at most {@link #PUSHES_IN_FLIGHT_MAX} at once. */
        private CompletableFuture<Void> pushSets(List<byte[]> keys, List<Siblings> sets) {
            List<Integer> starts = new ArrayList<>();
            for (int i = 0; i < keys.size(); i += PUSHES_IN_FLIGHT_MAX) {
                starts.add(i);
            }
            return sequentially(starts.iterator(), start -> {
                List<CompletableFuture<byte[]>> group = new ArrayList<>();
                for (int i = start; i < Math.min(keys.size(), start + PUSHES_IN_FLIGHT_MAX); i++) {
                    byte[] set = sets.get(i).encode();
                    byte[] payload = new ByteSink(keys.get(i).length + set.length + 10).writeLengthPrefixed(keys.get(i))
                            .writeLengthPrefixed(set).toByteArray();
                    group.add(call(Verb.REPLICA_WRITE, payload));
                    repair.repaired++;
                    keysRepaired.increment();
                }
                return CompletableFuture.allOf(group.toArray(new CompletableFuture[0]));
            });
        }

        /** A paced request to the peer, its bytes counted. */
        private CompletableFuture<byte[]> call(Verb verb, byte[] payload) {
            return paced().thenCompose(v -> {
                repair.sent += payload.length;
                bytesSent.add(payload.length);
                return messaging.request(peer, verb, payload, settings.requestTimeoutMillis());
            }).thenApply(reply -> {
                repair.received += reply.length;
                bytesReceived.add(reply.length);
                pacer.charge(payload.length + reply.length);
                return reply;
            });
        }
    }

    // ------------------------------------------------------------------ pacing and plumbing

    /** Completes when the byte budget allows the next request. */
    private CompletableFuture<Void> paced() {
        long wait = pacer.waitMillis();
        if (wait <= 0) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        scheduler.schedule(wait, () -> f.complete(null));
        return f;
    }

    private static List<int[]> chunk(List<Integer> items, int size) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            int n = Math.min(size, items.size() - i);
            int[] c = new int[n];
            for (int j = 0; j < n; j++) {
                c[j] = items.get(i + j);
            }
            out.add(c);
        }
        return out;
    }

    /**
     * Runs {@code step} on each item after the previous one's future completed; fails at the
     * first failure. Trampolined: steps that complete at once do not deepen the stack.
     */
    static <T> CompletableFuture<Void> sequentially(Iterator<T> items, Function<T, CompletableFuture<?>> step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        advance(items, step, done);
        return done;
    }

    private static <T> void advance(Iterator<T> items, Function<T, CompletableFuture<?>> step, CompletableFuture<Void> done) {
        while (items.hasNext()) {
            CompletableFuture<?> f;
            try {
                f = step.apply(items.next());
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return;
            }
            if (!f.isDone() || f.isCompletedExceptionally()) {
                f.whenComplete((v, err) -> {
                    if (err != null) {
                        done.completeExceptionally(unwrap(err));
                    } else {
                        advance(items, step, done);
                    }
                });
                return;
            }
        }
        done.complete(null);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
