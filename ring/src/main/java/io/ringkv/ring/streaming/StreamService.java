package io.ringkv.ring.streaming;

import io.ringkv.common.ByteSink;
import io.ringkv.common.Bytes;
import io.ringkv.common.Clock;
import io.ringkv.common.Pacer;
import io.ringkv.common.Scheduler;
import io.ringkv.common.WireReader;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.partition.RingTransitions;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.Verb;
import io.ringkv.ring.version.Siblings;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves partition data to the replicas a ring change adds (join, leave, remove, replace),
 * sans-IO: time, scheduling and messaging are injected.
 *
 * <p><b>As a source</b> it serves {@link Verb#STREAM_PAGE}: request = partition (varint),
 * from-token (u64), bytes wanted (varint), keys wanted (varint); reply = done (u8), next token
 * (u64), entry count (varint), then per entry the user key and its encoded sibling set, both
 * length-prefixed. Pages come from {@link ReplicaStore#streamPartition} (tombstones and
 * expired versions included, so deletes travel), capped by this node's own page bounds.
 *
 * <p><b>As a receiver</b>, {@link #start} pulls every partition this node gains in a ring in
 * transition from a live current replica ({@link RingTransitions#sources}), page by page, and
 * merges each set into the local store, so versions written here meanwhile (the pending-range
 * dual writes) and streamed ones combine and nothing is lost. At most
 * {@code streamPartitionsInFlight} partitions stream at once; a token bucket on the injected
 * clock keeps the received bytes at {@code streamBytesPerSecond}. A failed page request moves
 * to the next live source after a doubling backoff.
 *
 * <p><b>Resumable:</b> after each merged page, the partition's progress (ring version, next
 * token, done) is stored in the replica's engine under a meta key shorter than a token, after
 * the page's data, so a crash never records progress past data that was lost. A restarted
 * node calling {@link #start} with the same ring version continues each partition where it
 * stopped; a different version starts over.
 *
 * <p>Thread-safety: state changes happen under this object's lock. Replies are handed to the
 * scheduler before being merged, so storage writes never run on a transport thread.
 */
public final class StreamService {
    private static final Logger log = LoggerFactory.getLogger(StreamService.class);
    /** Meta key prefix of per-partition progress: {0, 'S', p >> 16, p >> 8, p}. */
    private static final byte PROGRESS_TAG = 'S';
    private static final int PROGRESS_BYTES = 8 + 1 + 8;
    /** Cleanup deletes in this many steps per second, each a bounded batch. */
    private static final int CLEANUP_STEPS_PER_SECOND = 10;

    private final NodeId self;
    private final MessagingService messaging;
    private final ReplicaStore store;
    private final Partitioner partitioner;
    private final Clock clock;
    private final Scheduler scheduler;
    private final StreamSettings settings;
    private final Predicate<NodeId> isAlive;
    private final LongAdder pagesServed = new LongAdder();
    private final LongAdder bytesServed = new LongAdder();

    /** The stream in progress or last finished; null before the first start. Guarded by this. */
    private Session session;
    /** The cleanup in progress; null when none. Guarded by this. */
    private Cleanup cleanup;

    /**
     * Registers the {@link Verb#STREAM_PAGE} handler on {@code messaging}.
     *
     * @param isAlive whether a node may be asked for pages now (the failure detector's view)
     */
    public StreamService(MessagingService messaging, ReplicaStore store, Partitioner partitioner, Clock clock, Scheduler scheduler,
            StreamSettings settings, Predicate<NodeId> isAlive) {
        this.self = messaging.localNode();
        this.messaging = messaging;
        this.store = store;
        this.partitioner = partitioner;
        this.clock = clock;
        this.scheduler = scheduler;
        this.settings = settings;
        this.isAlive = isAlive;
        messaging.register(Verb.STREAM_PAGE, (from, payload) -> CompletableFuture.completedFuture(servePage(payload)));
    }

    // ------------------------------------------------------------------ source side

    /** Encodes a page request (what {@link #servePage} decodes). */
    static byte[] encodeRequest(int partition, long fromToken, int bytesWanted, int keysWanted) {
        return new ByteSink(24).writeVarLong(partition).writeLong(fromToken).writeVarLong(bytesWanted).writeVarLong(keysWanted)
                .toByteArray();
    }

    private byte[] servePage(byte[] payload) {
        WireReader r = new WireReader(payload);
        int partition = r.length(partitioner.partitionCount() - 1);
        long fromToken = r.u64();
        int bytesWanted = Math.min(r.length(Integer.MAX_VALUE), settings.streamPageBytesMax());
        int keysWanted = Math.min(r.length(Integer.MAX_VALUE), settings.streamPageKeysMax());
        r.expectEnd();
        if (bytesWanted < 1 || keysWanted < 1) {
            throw new IllegalArgumentException("empty stream page asked for: " + bytesWanted + " bytes, " + keysWanted + " keys");
        }
        ReplicaStore.StreamPage page = store.streamPartition(partition, fromToken, bytesWanted, keysWanted);
        ByteSink out = new ByteSink((int) Math.min(page.bytes() + 32L + 10L * page.entries().size(), Integer.MAX_VALUE - 64));
        out.writeByte(page.done() ? 1 : 0).writeLong(page.nextToken()).writeVarLong(page.entries().size());
        for (ReplicaStore.StreamEntry e : page.entries()) {
            out.writeLengthPrefixed(e.key()).writeLengthPrefixed(e.siblings());
        }
        pagesServed.increment();
        bytesServed.add(out.length());
        return out.toByteArray();
    }

    /** A decoded page reply. */
    record Page(boolean done, long nextToken, List<byte[]> keys, List<Siblings> sets) {}

    /**
     * Decodes a page reply, checking every entry belongs to {@code partition}. The entry
     * count is bounded by the reply's size (every entry takes at least two bytes), not by the
     * keys asked for: a source may serve one token's keys past that bound.
     */
    static Page decodePage(byte[] reply, Partitioner partitioner, int partition) {
        WireReader r = new WireReader(reply);
        boolean done = r.u8() != 0;
        long nextToken = r.u64();
        int n = r.length(reply.length / 2);
        List<byte[]> keys = new ArrayList<>(n);
        List<Siblings> sets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] key = r.bytes();
            if (partitioner.partitionOf(key) != partition) {
                throw new IllegalArgumentException("streamed key outside partition " + partition);
            }
            keys.add(key);
            sets.add(Siblings.decode(r.bytes()));
        }
        r.expectEnd();
        return new Page(done, nextToken, keys, sets);
    }

    // ------------------------------------------------------------------ receiver side

    /**
     * Streams in every partition {@code ringInTransition} gives this node, resuming persisted
     * progress for the same ring version. Returns a future completed when all are here
     * (at once when there is nothing to receive or all was received before a restart).
     * Calling it again with the same version returns the same future; a different version
     * abandons the running stream (its future is cancelled) and stops any cleanup.
     */
    public synchronized CompletableFuture<Void> start(RingSnapshot ringInTransition) {
        if (!ringInTransition.isInTransition()) {
            throw new IllegalArgumentException("ring version " + ringInTransition.version() + " is not in transition");
        }
        if (ringInTransition.partitionCount() != partitioner.partitionCount()) {
            throw new IllegalArgumentException("ring has " + ringInTransition.partitionCount() + " partitions, store "
                    + partitioner.partitionCount());
        }
        if (session != null && session.ring.version() == ringInTransition.version() && !session.abandoned) {
            return session.done;
        }
        abandonSession();
        stopCleanup();
        Session s = new Session(ringInTransition, clock.nanoTime(), new Pacer(clock, settings.streamBytesPerSecond()));
        session = s;
        for (int p : ringInTransition.partitionsToReceive(self)) {
            s.total++;
            byte[] saved = store.readMeta(progressKey(p));
            if (saved != null && saved.length == PROGRESS_BYTES && Bytes.getLong(saved, 0) == ringInTransition.version()) {
                if (saved[8] != 0) {
                    s.doneCount++;
                } else {
                    s.queue.add(new PartitionStream(p, Bytes.getLong(saved, 9)));
                }
            } else {
                s.queue.add(new PartitionStream(p, partitioner.firstToken(p)));
            }
        }
        log.info("streaming {} partitions for ring version {} ({} already received)", s.total, ringInTransition.version(),
                s.doneCount);
        fill(s);
        completeIfDone(s);
        return s.done;
    }

    /** Abandons the running stream, if any (its future is cancelled); progress stays stored. */
    public synchronized void stop() {
        abandonSession();
        stopCleanup();
    }

    /**
     * Whether this node's stored progress says every partition it receives in
     * {@code ringInTransition} is here (e.g. to report it again after a restart).
     */
    public boolean hasStreamed(RingSnapshot ringInTransition) {
        for (int p : ringInTransition.partitionsToReceive(self)) {
            byte[] saved = store.readMeta(progressKey(p));
            if (saved == null || saved.length != PROGRESS_BYTES || Bytes.getLong(saved, 0) != ringInTransition.version() || saved[8] == 0) {
                return false;
            }
        }
        return true;
    }

    public synchronized StreamProgress progress() {
        StreamProgress.State state;
        if (cleanup != null) {
            state = StreamProgress.State.CLEANING_UP;
        } else if (session == null || session.abandoned) {
            state = StreamProgress.State.IDLE;
        } else {
            state = session.doneCount == session.total ? StreamProgress.State.DONE : StreamProgress.State.STREAMING;
        }
        if (session == null) {
            return new StreamProgress(state, 0, 0, 0, 0, 0, 0, 0, Map.of(), pagesServed.sum(), bytesServed.sum());
        }
        Session s = session;
        Map<Integer, NodeId> sources = new TreeMap<>();
        for (PartitionStream ps : s.active.values()) {
            if (ps.source != null) {
                sources.put(ps.partition, ps.source);
            }
        }
        long elapsedNanos = (s.finishedNanos != 0 ? s.finishedNanos : clock.nanoTime()) - s.startedNanos;
        long rate = elapsedNanos <= 0 ? 0 : (long) (s.bytes * 1e9 / elapsedNanos);
        return new StreamProgress(state, s.ring.version(), s.total, s.doneCount, s.keys, s.bytes, rate, s.failures,
                Collections.unmodifiableMap(sources), pagesServed.sum(), bytesServed.sum());
    }

    static byte[] progressKey(int partition) {
        return new byte[] {0, PROGRESS_TAG, (byte) (partition >>> 16), (byte) (partition >>> 8), (byte) partition};
    }

    private void saveProgress(long ringVersion, int partition, boolean done, long nextToken) {
        byte[] v = new byte[PROGRESS_BYTES];
        Bytes.putLong(v, 0, ringVersion);
        v[8] = (byte) (done ? 1 : 0);
        Bytes.putLong(v, 9, nextToken);
        store.writeMeta(progressKey(partition), v);
    }

    private void abandonSession() {
        Session s = session;
        if (s == null || s.abandoned) {
            return;
        }
        s.abandoned = true;
        for (PartitionStream ps : s.active.values()) {
            if (ps.waiting != null) {
                ps.waiting.cancel();
            }
        }
        if (!s.done.isDone()) {
            log.info("abandoning the stream for ring version {} ({} of {} partitions received)", s.ring.version(), s.doneCount,
                    s.total);
            s.done.cancel(false);
        }
    }

    /** Starts partitions from the queue up to the in-flight bound. */
    private void fill(Session s) {
        while (s.active.size() < settings.streamPartitionsInFlight() && !s.queue.isEmpty()) {
            PartitionStream ps = s.queue.poll();
            s.active.put(ps.partition, ps);
            requestPage(s, ps);
        }
    }

    private void requestPage(Session s, PartitionStream ps) {
        ps.waiting = null;
        if (s.abandoned) {
            return;
        }
        long waitMillis = s.pacer.waitMillis();
        if (waitMillis > 0) {
            ps.waiting = scheduler.schedule(waitMillis, () -> {
                synchronized (this) {
                    requestPage(s, ps);
                }
            });
            return;
        }
        List<NodeId> sources = RingTransitions.sources(s.ring, ps.partition, self, isAlive);
        if (sources.isEmpty()) {
            retryLater(s, ps, "no live replica to stream from");
            return;
        }
        // Consecutive failures rotate through the candidates, best first.
        NodeId source = sources.get(ps.failures % sources.size());
        ps.source = source;
        byte[] request = encodeRequest(ps.partition, ps.nextToken, settings.streamPageBytesMax(), settings.streamPageKeysMax());
        messaging.request(source, Verb.STREAM_PAGE, request, settings.streamRequestTimeoutMillis())
                .whenComplete((reply, err) -> scheduler.schedule(0, () -> onReply(s, ps, source, reply, err)));
    }

    private synchronized void onReply(Session s, PartitionStream ps, NodeId source, byte[] reply, Throwable err) {
        if (s.abandoned) {
            return;
        }
        if (err != null) {
            retryLater(s, ps, "page request to " + source + " failed: " + err);
            return;
        }
        Page page;
        try {
            page = decodePage(reply, partitioner, ps.partition);
        } catch (IllegalArgumentException e) {
            retryLater(s, ps, "malformed page from " + source + ": " + e.getMessage());
            return;
        }
        for (int i = 0; i < page.keys().size(); i++) {
            store.merge(page.keys().get(i), page.sets().get(i));
        }
        s.keys += page.keys().size();
        s.bytes += reply.length;
        // Each page's bytes push the next request back by bytes / rate.
        s.pacer.charge(reply.length);
        ps.failures = 0;
        if (page.done()) {
            saveProgress(s.ring.version(), ps.partition, true, 0);
            s.active.remove(ps.partition);
            s.doneCount++;
            fill(s);
            completeIfDone(s);
        } else {
            if (Long.compareUnsigned(page.nextToken(), ps.nextToken) <= 0) {
                retryLater(s, ps, "page from " + source + " did not advance past token " + Long.toUnsignedString(ps.nextToken));
                return;
            }
            ps.nextToken = page.nextToken();
            saveProgress(s.ring.version(), ps.partition, false, ps.nextToken);
            requestPage(s, ps);
        }
    }

    private void retryLater(Session s, PartitionStream ps, String why) {
        s.failures++;
        ps.failures++;
        long backoff = Math.min(settings.streamRetryBackoffMaxMillis(),
                settings.streamRetryBackoffMillis() << Math.min(ps.failures - 1, 20));
        log.info("streaming partition {} for ring version {}: {}; retrying in {} ms", ps.partition, s.ring.version(), why, backoff);
        ps.source = null;
        ps.waiting = scheduler.schedule(backoff, () -> {
            synchronized (this) {
                requestPage(s, ps);
            }
        });
    }

    private void completeIfDone(Session s) {
        if (s.doneCount == s.total && !s.done.isDone()) {
            s.finishedNanos = clock.nanoTime();
            log.info("streamed {} partitions for ring version {}: {} keys, {} bytes", s.total, s.ring.version(), s.keys, s.bytes);
            s.done.complete(null);
        }
    }

    // ------------------------------------------------------------------ cleanup

    /**
     * Deletes, at {@code cleanupKeysPerSecond}, the data of every partition this node does not
     * replicate in {@code committed} (after a transition moved them away). Completes with the
     * number of keys deleted. Call it only once the commit has spread: until then peers may
     * still read from this node. A later {@link #start} or {@link #stop} stops it.
     */
    public synchronized CompletableFuture<Long> cleanup(RingSnapshot committed) {
        if (committed.isInTransition()) {
            throw new IllegalArgumentException("cleanup needs a committed ring, not one in transition");
        }
        stopCleanup();
        boolean[] keep = new boolean[committed.partitionCount()];
        for (int p : committed.replicatedPartitions(self)) {
            keep[p] = true;
        }
        ArrayDeque<Integer> drop = new ArrayDeque<>();
        for (int p = 0; p < keep.length; p++) {
            if (!keep[p]) {
                drop.add(p);
            }
        }
        Cleanup c = new Cleanup(committed.version(), drop);
        cleanup = c;
        cleanupStep(c);
        return c.done;
    }

    private void stopCleanup() {
        Cleanup c = cleanup;
        if (c != null) {
            cleanup = null;
            if (c.waiting != null) {
                c.waiting.cancel();
            }
            c.done.cancel(false);
        }
    }

    private synchronized void cleanupStep(Cleanup c) {
        if (cleanup != c) {
            return;
        }
        int batch = (int) Math.max(1, Math.min(Integer.MAX_VALUE, settings.cleanupKeysPerSecond() / CLEANUP_STEPS_PER_SECOND));
        int deleted = 0;
        while (deleted < batch && !c.partitions.isEmpty()) {
            int asked = batch - deleted;
            int n = store.deletePartition(c.partitions.peek(), asked);
            deleted += n;
            if (n < asked) {
                c.partitions.poll(); // fewer than asked: the partition is empty now
            }
        }
        c.keys += deleted;
        if (c.partitions.isEmpty()) {
            cleanup = null;
            log.info("cleanup after ring version {} deleted {} keys of partitions moved away", c.ringVersion, c.keys);
            c.done.complete(c.keys);
            return;
        }
        long delayMillis = Math.max(1, deleted * 1000L / settings.cleanupKeysPerSecond());
        c.waiting = scheduler.schedule(delayMillis, () -> cleanupStep(c));
    }

    // ------------------------------------------------------------------ state

    /** One partition being pulled. */
    private static final class PartitionStream {
        final int partition;
        long nextToken;
        int failures;
        NodeId source;
        /** A scheduled retry or throttled request; null while a request is out. */
        Scheduler.Cancellable waiting;

        PartitionStream(int partition, long nextToken) {
            this.partition = partition;
            this.nextToken = nextToken;
        }
    }

    /** The stream for one ring version. */
    private static final class Session {
        final RingSnapshot ring;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final ArrayDeque<PartitionStream> queue = new ArrayDeque<>();
        final Map<Integer, PartitionStream> active = new TreeMap<>();
        final long startedNanos;
        long finishedNanos;
        int total;
        int doneCount;
        long keys;
        long bytes;
        long failures;
        /** Received bytes of this session: {@code streamBytesPerSecond}. */
        final Pacer pacer;
        boolean abandoned;

        Session(RingSnapshot ring, long startedNanos, Pacer pacer) {
            this.ring = ring;
            this.startedNanos = startedNanos;
            this.pacer = pacer;
        }
    }

    /** Deleting the partitions a committed ring moved away. */
    private static final class Cleanup {
        final long ringVersion;
        final ArrayDeque<Integer> partitions;
        final CompletableFuture<Long> done = new CompletableFuture<>();
        long keys;
        Scheduler.Cancellable waiting;

        Cleanup(long ringVersion, ArrayDeque<Integer> partitions) {
            this.ringVersion = ringVersion;
            this.partitions = partitions;
        }
    }
}
