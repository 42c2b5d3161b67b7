package io.ringkv.ring.sim;

import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.ConnectionLostException;
import io.ringkv.ring.transport.PeerUnreachableException;
import io.ringkv.ring.transport.RemoteFailureException;
import io.ringkv.ring.transport.RequestHandler;
import io.ringkv.ring.transport.RequestTimeoutException;
import io.ringkv.ring.transport.TransportException;
import io.ringkv.ring.transport.Verb;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.random.RandomGenerator;

/**
 * The simulated inter-node network: one {@link Endpoint} (a {@link MessagingService}) per
 * running node incarnation. Payloads are the byte arrays the nodes produce, handed over
 * without copying (nobody mutates them); what is simulated is when, whether and in which
 * order they arrive, with every choice drawn from the run's seeded random source:
 *
 * <ul>
 *   <li><b>Delay and reordering:</b> each request and each reply takes a random delay in
 *       [delayMin, delayMax] ms of virtual time, occasionally (the slow probability) up to
 *       {@code slowDelayMaxMillis}; independent delays reorder messages.
 *   <li><b>Loss:</b> each request and each reply is dropped with the drop probability.
 *   <li><b>Partitions:</b> a set of cut node pairs. A message between a cut pair is lost,
 *       whether the cut existed when it was sent or formed while it was in flight.
 *   <li><b>Crashes:</b> {@link #crash} closes a node's endpoint. Its own outstanding requests
 *       die with it (their callbacks belong to the dead process and never run). Requests
 *       that peers have outstanding to it fail with {@link ConnectionLostException} (the
 *       kernel resets the connections; a peer cut from the node never hears of it and times
 *       out instead). New requests to a down node fail quickly with
 *       {@link ConnectionRefusedException}.
 * </ul>
 *
 * A request whose sender gave up (timed out) still arrives and runs at the peer, as on a real
 * network; only its reply is discarded. Failures reach the requester as the transport's
 * typed exceptions: {@link RequestTimeoutException} after the request's timeout of virtual
 * time, {@link PeerUnreachableException} (refused or lost), {@link RemoteFailureException}
 * when the peer's handler failed.
 */
final class SimNetwork {
    /** Sees every payload a node receives: the checker's record of what each node has heard. */
    interface Tap {
        /**
         * @param to the node receiving: the request's target, or for a reply its requester
         * @param reply the reply payload when {@code to} receives a reply, else null
         */
        void received(NodeId to, Verb verb, byte[] request, byte[] reply);
    }

    private final SimScheduler scheduler;
    private final RandomGenerator random;
    private final long delayMinMillis;
    private final long delayMaxMillis;
    /** Endpoints of the nodes that are up, by node. */
    private final Map<NodeId, Endpoint> up = new TreeMap<>();
    /** Cut links as "a b" with a < b; a TreeSet so nothing depends on hash order. */
    private final Set<String> cuts = new TreeSet<>();
    private double dropProbability;
    private double slowProbability;
    private long slowDelayMaxMillis;
    private Tap tap = (to, verb, request, reply) -> {};
    private long nextRequestId;
    private long sent;
    private long delivered;
    private long dropped;
    private long timeouts;

    SimNetwork(SimScheduler scheduler, RandomGenerator random, long delayMinMillis, long delayMaxMillis) {
        if (delayMinMillis < 0 || delayMaxMillis < delayMinMillis) {
            throw new IllegalArgumentException("bad delay range [" + delayMinMillis + ", " + delayMaxMillis + "]");
        }
        this.scheduler = scheduler;
        this.random = random;
        this.delayMinMillis = delayMinMillis;
        this.delayMaxMillis = delayMaxMillis;
    }

    void tap(Tap t) {
        this.tap = t;
    }

    // ------------------------------------------------------------------ faults

    void dropProbability(double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("drop probability " + p);
        }
        this.dropProbability = p;
    }

    double dropProbability() {
        return dropProbability;
    }

    /** Messages that take up to {@code maxMillis} (past request timeouts, to exercise late replies). */
    void slowMessages(double probability, long maxMillis) {
        if (probability < 0 || probability > 1 || maxMillis < delayMaxMillis) {
            throw new IllegalArgumentException("slow messages " + probability + ", " + maxMillis);
        }
        this.slowProbability = probability;
        this.slowDelayMaxMillis = maxMillis;
    }

    void cut(NodeId a, NodeId b) {
        if (!a.equals(b)) {
            cuts.add(link(a, b));
        }
    }

    /** Cuts every link between {@code side} and the other nodes of {@code all}. */
    void partition(Collection<NodeId> side, Collection<NodeId> all) {
        for (NodeId a : side) {
            for (NodeId b : all) {
                if (!side.contains(b)) {
                    cut(a, b);
                }
            }
        }
    }

    void healAll() {
        cuts.clear();
    }

    boolean isCut(NodeId a, NodeId b) {
        return !cuts.isEmpty() && cuts.contains(link(a, b));
    }

    boolean anyCut() {
        return !cuts.isEmpty();
    }

    private static String link(NodeId a, NodeId b) {
        return a.compareTo(b) < 0 ? a + " " + b : b + " " + a;
    }

    // ------------------------------------------------------------------ nodes

    /** Starts a new incarnation of {@code node}: an endpoint with no handlers yet. */
    Endpoint open(NodeId node) {
        if (up.containsKey(node)) {
            throw new IllegalStateException(node + " is already up");
        }
        Endpoint e = new Endpoint(node);
        up.put(node, e);
        return e;
    }

    boolean isUp(NodeId node) {
        return up.containsKey(node);
    }

    /** Stops {@code node}'s process: see the class comment for what happens to its requests. */
    void crash(NodeId node) {
        Endpoint e = up.remove(node);
        if (e == null) {
            throw new IllegalStateException(node + " is not up");
        }
        e.open = false;
        for (Pending p : e.outgoing.values()) {
            p.done = true;
            p.timeout.cancel();
            if (p.target != null) {
                p.target.incoming.remove(p.id);
            }
        }
        e.outgoing.clear();
        for (Pending p : new ArrayList<>(e.incoming.values())) {
            if (!isCut(p.from.node, node)) {
                scheduler.schedule(delay(), () -> finish(p, null,
                        new ConnectionLostException("connection to " + node + " lost while " + p.verb + " was outstanding")));
            }
        }
    }

    /** Network counters, for the run summary. */
    Map<String, Long> stats() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sent", sent);
        m.put("delivered", delivered);
        m.put("dropped", dropped);
        m.put("timeouts", timeouts);
        return m;
    }

    // ------------------------------------------------------------------ delivery

    private long delay() {
        if (slowProbability > 0 && random.nextDouble() < slowProbability) {
            return delayMinMillis + random.nextLong(slowDelayMaxMillis - delayMinMillis + 1);
        }
        return delayMinMillis + random.nextLong(delayMaxMillis - delayMinMillis + 1);
    }

    private boolean lose() {
        if (dropProbability > 0 && random.nextDouble() < dropProbability) {
            dropped++;
            return true;
        }
        return false;
    }

    private void deliver(Pending p, byte[] payload) {
        Endpoint target = p.target;
        if (!target.open || isCut(p.from.node, target.node)) {
            return; // crashed (its crash reset the connection) or cut while in flight
        }
        delivered++;
        tap.received(target.node, p.verb, payload, null);
        RequestHandler h = target.handlers.get(p.verb);
        CompletableFuture<byte[]> reply;
        try {
            reply = h == null ? CompletableFuture.failedFuture(new IllegalStateException("no handler for " + p.verb))
                    : h.handle(p.from.node, payload);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((bytes, err) -> respond(p, target, bytes, err));
    }

    private void respond(Pending p, Endpoint target, byte[] bytes, Throwable err) {
        if (!target.open || isCut(target.node, p.from.node) || lose()) {
            return;
        }
        TransportException failure = err == null ? null : remoteFailure(err);
        scheduler.schedule(delay(), () -> finish(p, bytes, failure));
    }

    private static RemoteFailureException remoteFailure(Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        return new RemoteFailureException(String.valueOf(cause.getMessage()), cause);
    }

    private void finish(Pending p, byte[] reply, TransportException failure) {
        if (p.done) {
            return; // already answered, timed out, reset, or its sender crashed
        }
        p.done = true;
        p.timeout.cancel();
        p.from.outgoing.remove(p.id);
        if (p.target != null) {
            p.target.incoming.remove(p.id);
        }
        if (failure == null) {
            tap.received(p.from.node, p.verb, p.payload, reply);
            p.future.complete(reply);
        } else {
            if (failure instanceof RequestTimeoutException) {
                timeouts++;
            }
            p.future.completeExceptionally(failure);
        }
    }

    /** One request awaiting its reply. */
    private static final class Pending {
        final long id;
        final Endpoint from;
        final NodeId to;
        final Verb verb;
        final byte[] payload;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        /** The incarnation the request was sent to; null when the node was down. */
        Endpoint target;
        Scheduler.Cancellable timeout;
        boolean done;

        Pending(long id, Endpoint from, NodeId to, Verb verb, byte[] payload) {
            this.id = id;
            this.from = from;
            this.to = to;
            this.verb = verb;
            this.payload = payload;
        }
    }

    /** The messaging service of one node incarnation. */
    final class Endpoint implements MessagingService {
        private final NodeId node;
        private final Map<Verb, RequestHandler> handlers = new EnumMap<>(Verb.class);
        /** Requests this endpoint sent that await a reply. */
        private final Map<Long, Pending> outgoing = new LinkedHashMap<>();
        /** Requests peers sent to this endpoint that await a reply. */
        private final Map<Long, Pending> incoming = new LinkedHashMap<>();
        private boolean open = true;
        private long requests;

        private Endpoint(NodeId node) {
            this.node = node;
        }

        @Override
        public NodeId localNode() {
            return node;
        }

        boolean isOpen() {
            return open;
        }

        @Override
        public void register(Verb verb, RequestHandler handler) {
            if (handlers.putIfAbsent(verb, handler) != null) {
                throw new IllegalStateException("handler registered twice for " + verb);
            }
        }

        @Override
        public CompletableFuture<byte[]> request(NodeId to, Verb verb, byte[] payload, long timeoutMillis) {
            if (!open) {
                // A crashed node's code never runs again; reaching here is a simulator bug.
                throw new IllegalStateException(node + " is down and cannot send " + verb);
            }
            if (timeoutMillis < 1) {
                throw new IllegalArgumentException("timeout must be positive: " + timeoutMillis);
            }
            requests++;
            if (to.equals(node)) {
                return local(verb, payload);
            }
            sent++;
            Pending p = new Pending(nextRequestId++, this, to, verb, payload);
            outgoing.put(p.id, p);
            p.timeout = scheduler.schedule(timeoutMillis, () -> finish(p, null,
                    new RequestTimeoutException("no reply from " + to + " to " + verb + " within " + timeoutMillis + " ms")));
            Endpoint target = up.get(to);
            boolean cut = isCut(node, to);
            if (target == null) {
                if (!cut) {
                    scheduler.schedule(delay(), () -> finish(p, null, new ConnectionRefusedException(to + " refused the connection")));
                }
                return p.future;
            }
            p.target = target;
            target.incoming.put(p.id, p);
            if (cut || lose()) {
                return p.future; // lost on the wire: only the timeout (or a reset) is left
            }
            scheduler.schedule(delay(), () -> deliver(p, payload));
            return p.future;
        }

        /** Requests to oneself run the handler directly, as {@code LocalMessagingService} does. */
        private CompletableFuture<byte[]> local(Verb verb, byte[] payload) {
            RequestHandler h = handlers.get(verb);
            if (h == null) {
                return CompletableFuture.failedFuture(new RemoteFailureException("no handler for " + verb));
            }
            CompletableFuture<byte[]> reply;
            try {
                reply = h.handle(node, payload);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(remoteFailure(e));
            }
            return reply.handle((b, e) -> e == null ? CompletableFuture.completedFuture(b)
                    : CompletableFuture.<byte[]>failedFuture(remoteFailure(e))).thenCompose(f -> f);
        }

        @Override
        public Map<String, Long> stats() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("requests", requests);
            m.put("outstanding", (long) outgoing.size());
            return m;
        }

        /** Nodes stop through {@link SimNetwork#crash}; closing an endpoint alone would leave it half up. */
        @Override
        public void close() {
            throw new UnsupportedOperationException("crash the node through SimNetwork.crash");
        }

        @Override
        public String toString() {
            return "Endpoint[" + node + (open ? "" : ", down") + "]";
        }
    }

    /** The peer was down: nothing was sent, so the request certainly did not run there. */
    static final class ConnectionRefusedException extends PeerUnreachableException {
        ConnectionRefusedException(String message) {
            super(message);
        }
    }

}
