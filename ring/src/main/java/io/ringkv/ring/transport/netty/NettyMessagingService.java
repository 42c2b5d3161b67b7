package io.ringkv.ring.transport.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.ringkv.common.Clock;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.FrameTooLargeException;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.OverloadedException;
import io.ringkv.ring.transport.PeerUnreachableException;
import io.ringkv.ring.transport.RemoteFailureException;
import io.ringkv.ring.transport.RequestHandler;
import io.ringkv.ring.transport.RequestTimeoutException;
import io.ringkv.ring.transport.TransportException;
import io.ringkv.ring.transport.Verb;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * {@link MessagingService} over TCP with Netty: one listener for the cluster port, one
 * outbound connection per peer (opened on first use), and the {@link WireProtocol} framing with
 * a {@link Handshake} proving both ends hold the cluster secret.
 *
 * <p>Owns no threads: runs on the caller's {@link EventLoopGroup} (NIO or epoll), which the
 * caller shuts down after {@link #close()}. Several services may share one group and one JVM.
 *
 * <p>Reply futures complete on a transport event loop: dependent stages must not block.
 * Payloads are not copied for requests to this node itself (no socket is involved): neither
 * side may change an array after handing it over.
 */
public final class NettyMessagingService implements MessagingService {
    /** Upper bound on how long {@link #close()} waits for connections to wind down. */
    static final long CLOSE_WAIT_MILLIS = 5_000;
    /**
     * Granularity of request timeouts, remote and local: pending requests are checked this often
     * (only while there are any), so a request fails between its timeout and this much later,
     * never earlier. One check per interval replaces a timer per request.
     */
    static final long TIMEOUT_SWEEP_MILLIS = 10;

    private final NodeId self;
    private final String bindHost;
    private final int bindPort;
    private final Function<NodeId, InetSocketAddress> addressLookup;
    private final TransportLimits limits;
    private final EventLoopGroup group;
    private final Clock clock;
    private final Handshake handshake;
    private final TransportStats stats = new TransportStats();
    private final Class<? extends Channel> socketChannelClass;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final Map<Verb, RequestHandler> handlers = new ConcurrentHashMap<>();
    private final Map<NodeId, PeerConnection> peers = new ConcurrentHashMap<>();
    /** Connections {@link #forget} dropped whose requests are still being failed (for in_flight). */
    private final Set<PeerConnection> retiring = ConcurrentHashMap.newKeySet();
    private final Set<Channel> inboundChannels = ConcurrentHashMap.newKeySet();
    private final Set<LocalRequest> localRequests = ConcurrentHashMap.newKeySet();
    private final AtomicInteger localInFlight = new AtomicInteger();
    /** A sweep of {@link #localRequests} for timeouts is scheduled or running. */
    private final AtomicBoolean localSweepArmed = new AtomicBoolean();
    private final Runnable localSweep = this::sweepLocal;
    private final AtomicLong nextRequestId = new AtomicLong(1); // 0 marks handshake frames
    private final Object lifecycleLock = new Object();
    private volatile boolean closed;
    private Channel serverChannel; // guarded by lifecycleLock
    private volatile int boundPort = -1;

    /**
     * @param bindHost address of the cluster listener (e.g. "127.0.0.1", "0.0.0.0")
     * @param bindPort cluster port; 0 picks a free one, see {@link #start()}
     * @param addressLookup cluster address of a node, or null if unknown; asked at each connect
     *     because addresses change with membership
     * @param clusterSecret shared by every node; empty means unauthenticated (see {@link Handshake})
     * @param group event loops to run on; owned and shut down by the caller
     */
    public NettyMessagingService(NodeId self, String bindHost, int bindPort, Function<NodeId, InetSocketAddress> addressLookup,
            byte[] clusterSecret, TransportLimits limits, EventLoopGroup group, Clock clock) {
        this.self = Objects.requireNonNull(self, "self");
        this.bindHost = Objects.requireNonNull(bindHost, "bindHost");
        if (bindPort < 0 || bindPort > 0xFFFF) {
            throw new IllegalArgumentException("bindPort must be 0..65535: " + bindPort);
        }
        this.bindPort = bindPort;
        this.addressLookup = Objects.requireNonNull(addressLookup, "addressLookup");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.group = Objects.requireNonNull(group, "group");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.handshake = new Handshake(self, Objects.requireNonNull(clusterSecret, "clusterSecret"), new SecureRandom());
        boolean epoll = group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
        this.socketChannelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.serverChannelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * Binds the cluster listener.
     *
     * @return the bound port (the chosen one when constructed with port 0)
     * @throws IOException if the address cannot be bound (port in use, for example)
     */
    public int start() throws IOException {
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IllegalStateException("messaging service of " + self + " is closed");
            }
            if (serverChannel != null) {
                throw new IllegalStateException("messaging service of " + self + " already started");
            }
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(serverChannelClass)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                    .childHandler(pipeline(ch -> new ServerHandler(this, stats.forLoop(ch.eventLoop()))));
            ChannelFuture bound = bootstrap.bind(bindHost, bindPort).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                Throwable cause = bound.cause();
                String where = "cannot bind cluster port " + bindHost + ":" + bindPort;
                throw cause instanceof IOException io ? new IOException(where + ": " + io.getMessage(), io) : new IOException(where, cause);
            }
            serverChannel = bound.channel();
            boundPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
            return boundPort;
        }
    }

    /** The bound cluster port, or -1 before {@link #start()}. */
    public int boundPort() {
        return boundPort;
    }

    @Override
    public NodeId localNode() {
        return self;
    }

    @Override
    public void register(Verb verb, RequestHandler handler) {
        Objects.requireNonNull(verb, "verb");
        Objects.requireNonNull(handler, "handler");
        if (handlers.putIfAbsent(verb, handler) != null) {
            throw new IllegalStateException("a handler for " + verb + " is already registered on " + self);
        }
    }

    @Override
    public CompletableFuture<byte[]> request(NodeId to, Verb verb, byte[] payload, long timeoutMillis) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(verb, "verb");
        Objects.requireNonNull(payload, "payload");
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be positive: " + timeoutMillis);
        }
        if (closed) {
            stats.failures.increment();
            return CompletableFuture.failedFuture(new PeerUnreachableException("transport closed"));
        }
        // Checked for local requests too, so that what works locally also works remotely.
        if (payload.length > limits.payloadBytesMax()) {
            stats.failures.increment();
            return CompletableFuture.failedFuture(new FrameTooLargeException(verb + " payload of " + payload.length
                    + " bytes exceeds the frame limit of " + limits.payloadBytesMax() + " payload bytes"));
        }
        if (to.equals(self)) {
            return requestLocal(verb, payload, timeoutMillis);
        }
        return peers.computeIfAbsent(to, peer -> new PeerConnection(this, peer, group.next()))
                .request(verb, payload, timeoutMillis);
    }

    /**
     * Connects to a cluster port, runs the handshake and completes with the node id that
     * answered (then closes): how a node learns who is at an address it was given ({@code RING
     * JOIN host:port}). Fails with {@link PeerUnreachableException} when nothing answers or the
     * peer fails authentication, {@link RequestTimeoutException} after {@code timeoutMillis}.
     */
    public CompletableFuture<NodeId> identify(InetSocketAddress clusterAddress, long timeoutMillis) {
        CompletableFuture<NodeId> result = new CompletableFuture<>();
        EventLoop loop = group.next();
        ClientHandler handler = new ClientHandler(handshake, new ClientHandler.Owner() {
            @Override
            public void onAuthenticated(ClientHandler h, NodeId server) {
                result.complete(server);
            }

            @Override
            public void onResponse(InboundFrame frame) {
                // Nothing is ever sent on this connection, so nothing is answered.
            }
        }, null, clusterAddress, stats);
        ChannelFuture connectFuture = connect(loop, clusterAddress, handler);
        Channel ch = connectFuture.channel();
        connectFuture.addListener(f -> {
            if (!f.isSuccess()) {
                handler.failed("cannot connect: " + PeerConnection.describe(f.cause()));
            }
        });
        ch.closeFuture().addListener(f -> result.completeExceptionally(
                new PeerUnreachableException("no node identified at " + clusterAddress + ": " + handler.closeReason())));
        var deadline = loop.schedule(() -> {
            result.completeExceptionally(new RequestTimeoutException("no node identified at " + clusterAddress + " within " + timeoutMillis + " ms"));
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        result.whenComplete((id, err) -> {
            deadline.cancel(false);
            ch.close();
        });
        return result;
    }

    /**
     * Drops the connection to a node that left the cluster: pending requests fail, the socket
     * closes, and its entry goes (a later request, should the node come back, connects anew).
     * Without this a cluster that sees many nodes come and go would keep an entry for each.
     */
    public void forget(NodeId node) {
        PeerConnection peer = peers.remove(node);
        if (peer != null) {
            // Its requests count as in flight until the retirement has failed them.
            retiring.add(peer);
            peer.retire().addListener(f -> retiring.remove(peer));
        }
    }

    /**
     * {@code node} was heard from (gossip judged it up): requests to it connect at once rather
     * than waiting out the reconnect backoff left by connects that failed while it was away.
     */
    public void clearBackoff(NodeId node) {
        PeerConnection peer = peers.get(node);
        if (peer != null) {
            peer.clearBackoff();
        }
    }

    /** True when an authenticated connection to {@code node} is open (always true for this node). */
    public boolean isConnected(NodeId node) {
        if (node.equals(self)) {
            return true;
        }
        PeerConnection peer = peers.get(node);
        return peer != null && peer.isConnected();
    }

    @Override
    public Map<String, Long> stats() {
        long connected = peers.values().stream().filter(PeerConnection::isConnected).count();
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("requests_sent", stats.requestsSent());
        out.put("requests_received", stats.requestsReceived());
        out.put("responses_late", stats.responsesLate.sum());
        out.put("timeouts", stats.timeouts.sum());
        out.put("failures", stats.failures.sum());
        out.put("in_flight", inFlight());
        out.put("bytes_sent", stats.bytesSent());
        out.put("bytes_received", stats.bytesReceived());
        out.put("connections_refused", stats.connectionsRefused.sum());
        out.put("peers_connected", connected);
        out.put("writes_while_unwritable", stats.writesWhileUnwritable.sum());
        out.put("request_flushes", stats.requestFlushes());
        return Collections.unmodifiableMap(out);
    }

    /**
     * Requests accepted and not completed, summed from the counts each connection keeps for
     * its in-flight bound anyway (one counter per request instead of two). A request refused
     * for that bound may show for an instant.
     */
    private long inFlight() {
        long sum = localInFlight.get();
        for (PeerConnection peer : peers.values()) {
            sum += peer.inFlight();
        }
        for (PeerConnection peer : retiring) {
            sum += peer.inFlight();
        }
        return sum;
    }

    /**
     * Closes the listener and every connection, and fails every pending request with
     * {@link PeerUnreachableException}("transport closed"). Idempotent.
     */
    @Override
    public void close() {
        Channel listener;
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            listener = serverChannel;
        }
        List<Future<?>> closing = new ArrayList<>();
        if (listener != null) {
            closing.add(listener.close());
        }
        for (PeerConnection peer : peers.values()) {
            closing.add(peer.shutdown());
        }
        for (Channel ch : inboundChannels) {
            closing.add(ch.close());
        }
        for (LocalRequest r : localRequests) {
            completeLocal(r, null, new PeerUnreachableException("transport closed"));
        }
        // Waiting from an event loop of the group could deadlock with the tasks waited for.
        if (!onEventLoop()) {
            long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
            for (Future<?> f : closing) {
                f.awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
            }
        }
    }

    // ---- requests to this node itself ----

    private CompletableFuture<byte[]> requestLocal(Verb verb, byte[] payload, long timeoutMillis) {
        RequestHandler handler = handlers.get(verb);
        if (handler == null) {
            stats.failures.increment();
            return CompletableFuture.failedFuture(new RemoteFailureException("unknown verb " + verb.code()));
        }
        int max = limits.inFlightPerPeerMax();
        if (localInFlight.incrementAndGet() > max) {
            localInFlight.decrementAndGet();
            stats.failures.increment();
            return CompletableFuture.failedFuture(new OverloadedException(max + " requests already in flight to " + self));
        }
        stats.localRequests.increment();
        LocalRequest r = new LocalRequest(verb, timeoutMillis);
        CompletableFuture<byte[]> handled;
        try {
            handled = handler.handle(self, payload);
            if (handled == null) {
                throw new IllegalStateException("handler for " + verb + " returned no future");
            }
        } catch (RuntimeException e) {
            handled = CompletableFuture.failedFuture(e);
        }
        if (!handled.isDone()) {
            r.deadlineNanos = group.ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            localRequests.add(r); // publishes the deadline to the sweep
            armLocalSweep();
        }
        handled.whenComplete((reply, failure) -> completeLocal(r, reply, failure == null ? null
                : new RemoteFailureException(Replies.messageOf(failure), failure)));
        return r.future;
    }

    /**
     * Any thread: makes sure a sweep will check {@link #localRequests}. The flag is read before
     * the CAS so that a burst of requests costs one volatile read each once a sweep is armed.
     */
    private void armLocalSweep() {
        if (localSweepArmed.get() || !localSweepArmed.compareAndSet(false, true)) {
            return;
        }
        try {
            group.next().schedule(localSweep, TIMEOUT_SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The event loops are shutting down: no sweep would time these out, so fail them now.
            localSweepArmed.set(false);
            for (LocalRequest r : localRequests) {
                completeLocal(r, null, new PeerUnreachableException("transport closed", e));
            }
        }
    }

    /**
     * Times out the local requests whose deadline has passed and re-arms while any remain
     * (deadlines differ by call site, so every pending one is checked; at most
     * {@code inFlightPerPeerMax} of them). Stops when none remain or the service is closed.
     */
    private void sweepLocal() {
        long nowNanos = group.ticker().nanoTime();
        for (LocalRequest r : localRequests) {
            if (nowNanos - r.deadlineNanos >= 0) {
                timeoutLocal(r);
            }
        }
        localSweepArmed.set(false);
        // Re-checked after clearing the flag: a request added before a requester saw the flag
        // still set is visible here, so it is never left without a sweep.
        if (!localRequests.isEmpty() && !closed) {
            armLocalSweep();
        }
    }

    private void timeoutLocal(LocalRequest r) {
        completeLocal(r, null, new RequestTimeoutException("no reply from " + self + " (local) to " + r.verb
                + " within " + r.timeoutMillis + " ms"));
    }

    /**
     * Completes once; a handler result arriving after the timeout or close is counted late.
     * Counters are updated before the future completes, so a caller woken by it sees them.
     */
    private void completeLocal(LocalRequest r, byte[] reply, TransportException failure) {
        if (!r.done.compareAndSet(false, true)) {
            if (failure == null || failure instanceof RemoteFailureException) {
                stats.responsesLate.increment(); // the handler finished after the caller gave up
            }
            return;
        }
        localInFlight.decrementAndGet();
        localRequests.remove(r);
        if (failure == null) {
            r.future.complete(reply == null ? new byte[0] : reply);
            return;
        }
        if (failure instanceof RequestTimeoutException) {
            stats.timeouts.increment();
        } else {
            stats.failures.increment();
        }
        r.future.completeExceptionally(failure);
    }

    private static final class LocalRequest {
        final Verb verb;
        final long timeoutMillis;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        final AtomicBoolean done = new AtomicBoolean();
        /** In the group's ticker's time; set before the request is added to {@link #localRequests}. */
        long deadlineNanos;

        LocalRequest(Verb verb, long timeoutMillis) {
            this.verb = verb;
            this.timeoutMillis = timeoutMillis;
        }
    }

    // ---- for PeerConnection, ClientHandler and ServerHandler ----

    TransportLimits limits() {
        return limits;
    }

    TransportStats transportStats() {
        return stats;
    }

    Clock clock() {
        return clock;
    }

    Handshake handshake() {
        return handshake;
    }

    boolean isClosed() {
        return closed;
    }

    long nextRequestId() {
        return nextRequestId.getAndIncrement();
    }

    RequestHandler handlerFor(Verb verb) {
        return handlers.get(verb);
    }

    InetSocketAddress addressOf(NodeId node) {
        return addressLookup.apply(node);
    }

    /** Registers an accepted connection for {@link #close()}; false if already closing. */
    boolean inboundOpened(Channel ch) {
        inboundChannels.add(ch);
        if (closed) {
            inboundChannels.remove(ch);
            return false;
        }
        return true;
    }

    void inboundClosed(Channel ch) {
        inboundChannels.remove(ch);
    }

    /** Opens a connection on {@code loop}, the event loop of the peer it serves. */
    ChannelFuture connect(EventLoop loop, InetSocketAddress address, ClientHandler handler) {
        return new Bootstrap()
                .group(loop)
                .channel(socketChannelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) limits.connectTimeoutMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .handler(pipeline(ch -> handler))
                .connect(address);
    }

    private ChannelInitializer<Channel> pipeline(Function<Channel, ChannelHandler> connectionHandler) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                // A channel stays on the event loop it is registered with, so its codec counts
                // into that loop's single-writer counters.
                TransportStats.LoopStats loopStats = stats.forLoop(ch.eventLoop());
                ch.pipeline()
                        .addLast("frame-decoder", new FrameDecoder(limits.frameBytesMax(), loopStats.bytesReceived::add))
                        .addLast("frame-encoder", new FrameEncoder(loopStats.bytesSent::add))
                        .addLast("connection", connectionHandler.apply(ch));
            }
        };
    }

    private WriteBufferWaterMark waterMark() {
        int high = limits.writeBufferHighWaterBytes();
        return new WriteBufferWaterMark(high / 2, high);
    }

    private boolean onEventLoop() {
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }
}
