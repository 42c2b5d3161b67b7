package io.ringkv.ring.transport;

import static io.ringkv.ring.transport.TransportTestSupport.awaitTrue;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.ringkv.common.Clock;
import io.ringkv.common.ManualClock;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.netty.InboundFrame;
import io.ringkv.ring.transport.netty.NettyMessagingService;
import io.ringkv.ring.transport.netty.OutboundFrame;
import io.ringkv.ring.transport.netty.TransportLimits;
import io.ringkv.ring.transport.netty.WireProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Two or more {@link NettyMessagingService}s talking over real sockets on 127.0.0.1. */
class NettyMessagingServiceTest {
    private static final NodeId N1 = new NodeId("n1");
    private static final NodeId N2 = new NodeId("n2");
    private static final byte[] SECRET = "correct horse battery staple".getBytes(UTF_8);
    private static final long TIMEOUT_MILLIS = 5_000;
    /**
     * For the 10k burst: with paranoid leak detection every buffer access records a stack
     * trace, and on a loaded 2-core machine a cold burst took up to 9 s (1.4 s without).
     */
    private static final long BURST_TIMEOUT_MILLIS = 30_000;

    private static EventLoopGroup group;

    /** Cluster addresses by node, as membership would supply them. */
    private final Map<NodeId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    private final List<NettyMessagingService> services = new ArrayList<>();

    @BeforeAll
    static void startEventLoops() {
        TransportTestSupport.paranoidLeakDetectionAndQuietLogs();
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopEventLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeServices() {
        services.forEach(NettyMessagingService::close);
    }

    private NettyMessagingService start(NodeId id, byte[] secret, TransportLimits limits, Clock clock, int port)
            throws IOException {
        NettyMessagingService service = new NettyMessagingService(id, "127.0.0.1", port, addresses::get, secret, limits,
                group, clock);
        services.add(service);
        int bound = service.start();
        addresses.put(id, new InetSocketAddress("127.0.0.1", bound));
        return service;
    }

    private NettyMessagingService start(NodeId id) throws IOException {
        return start(id, SECRET, TransportLimits.defaults(), Clock.system(), 0);
    }

    private static void echoPing(MessagingService service) {
        service.register(Verb.PING, (from, payload) -> CompletableFuture.completedFuture(payload));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void requestIsAnsweredByThePeersHandlerWhichSeesTheSendersNodeId() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2);
        n2.register(Verb.REPLICA_READ, (from, payload) ->
                CompletableFuture.completedFuture(bytes(from + " asked for " + new String(payload, UTF_8))));

        byte[] reply = n1.request(N2, Verb.REPLICA_READ, bytes("k1"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS);

        assertThat(new String(reply, UTF_8)).isEqualTo("n1 asked for k1");
        assertThat(n1.isConnected(N2)).isTrue();
        assertThat(n1.stats()).containsEntry("requests_sent", 1L).containsEntry("peers_connected", 1L)
                .containsEntry("in_flight", 0L);
        assertThat(n2.stats()).containsEntry("requests_received", 1L);
        assertThat(n1.stats().get("bytes_sent")).isPositive();
    }

    @Test
    void tenThousandConcurrentRequestsAllCompleteWithTheirOwnReplies() throws Exception {
        int count = 10_000;
        NettyMessagingService n1 = start(N1, SECRET, TransportLimits.defaults().withInFlightPerPeerMax(count),
                Clock.system(), 0);
        NettyMessagingService n2 = start(N2);
        n2.register(Verb.REPLICA_WRITE, (from, payload) -> CompletableFuture.completedFuture(bytes("ack " + new String(payload, UTF_8))));

        // The first ones queue while the connection is being opened and authenticated.
        List<CompletableFuture<byte[]>> replies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            replies.add(n1.request(N2, Verb.REPLICA_WRITE, bytes("w" + i), BURST_TIMEOUT_MILLIS));
        }

        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(BURST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        for (int i = 0; i < count; i++) {
            assertThat(new String(replies.get(i).join(), UTF_8)).isEqualTo("ack w" + i);
        }
        assertThat(n1.stats()).containsEntry("in_flight", 0L).containsEntry("failures", 0L);
    }

    @Test
    void requestToSelfIsServedLocallyWithoutAnyConnection() throws Exception {
        NettyMessagingService n1 = start(N1);
        List<NodeId> callers = new CopyOnWriteArrayList<>();
        n1.register(Verb.NODE_STATS, (from, payload) -> {
            callers.add(from);
            return CompletableFuture.completedFuture(bytes("stats"));
        });

        byte[] reply = n1.request(N1, Verb.NODE_STATS, new byte[0], TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS);

        assertThat(new String(reply, UTF_8)).isEqualTo("stats");
        assertThat(callers).containsExactly(N1);
        assertThat(n1.stats()).containsEntry("bytes_sent", 0L).containsEntry("peers_connected", 0L);
    }

    @Test
    void localRequestWhoseHandlerNeverAnswersTimesOut() throws Exception {
        NettyMessagingService n1 = start(N1);
        CompletableFuture<byte[]> never = new CompletableFuture<>();
        n1.register(Verb.SCAN_PAGE, (from, payload) -> never);

        CompletableFuture<byte[]> reply = n1.request(N1, Verb.SCAN_PAGE, new byte[0], 50);

        assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RequestTimeoutException.class);
        never.complete(bytes("too late"));
        assertThat(n1.stats()).containsEntry("timeouts", 1L).containsEntry("responses_late", 1L)
                .containsEntry("in_flight", 0L);
    }

    @Test
    void handlerExceptionReachesTheCallerAsRemoteFailureWithItsMessage() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2);
        n2.register(Verb.REPLICA_WRITE, (from, payload) -> {
            throw new IllegalStateException("disk full");
        });
        n2.register(Verb.FLUSH, (from, payload) -> CompletableFuture.failedFuture(new RuntimeException("flush refused")));

        CompletableFuture<byte[]> thrown = n1.request(N2, Verb.REPLICA_WRITE, bytes("v"), TIMEOUT_MILLIS);
        CompletableFuture<byte[]> failed = n1.request(N2, Verb.FLUSH, new byte[0], TIMEOUT_MILLIS);
        CompletableFuture<byte[]> local = n2.request(N2, Verb.REPLICA_WRITE, bytes("v"), TIMEOUT_MILLIS);

        assertThatThrownBy(() -> thrown.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(RemoteFailureException.class).hasMessage("disk full");
        assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(RemoteFailureException.class).hasMessage("flush refused");
        assertThatThrownBy(() -> local.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(RemoteFailureException.class).hasMessage("disk full");
        assertThat(n1.isConnected(N2)).as("a failed handler does not cost the connection").isTrue();
    }

    @Test
    void requestForAVerbWithoutHandlerFailsWithUnknownVerb() throws Exception {
        NettyMessagingService n1 = start(N1);
        start(N2);

        CompletableFuture<byte[]> reply = n1.request(N2, Verb.RANDOM_KEY, new byte[0], TIMEOUT_MILLIS);

        assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(RemoteFailureException.class).hasMessage("unknown verb " + Verb.RANDOM_KEY.code());
    }

    @Test
    void requestWithAVerbCodeUnknownToThisNodeGetsUnknownVerbError() throws Exception {
        start(N2);
        try (RawClusterClient newerPeer = new RawClusterClient(group, addresses.get(N2))) {
            assertThat(newerPeer.authenticate(new NodeId("n7"), SECRET).kind()).isEqualTo(WireProtocol.KIND_AUTH_OK);

            newerPeer.send(new OutboundFrame(WireProtocol.KIND_REQUEST, 42, 999, new byte[0]));

            InboundFrame reply = newerPeer.next();
            assertThat(reply.kind()).isEqualTo(WireProtocol.KIND_ERROR);
            assertThat(reply.requestId()).isEqualTo(42);
            assertThat(new String(reply.payload(), UTF_8)).isEqualTo("unknown verb 999");
        }
    }

    @Test
    void requestBeforeAuthenticationIsRefusedAndTheConnectionClosed() throws Exception {
        NettyMessagingService n2 = start(N2);
        echoPing(n2);
        try (RawClusterClient stranger = new RawClusterClient(group, addresses.get(N2))) {
            assertThat(stranger.next().kind()).isEqualTo(WireProtocol.KIND_AUTH_CHALLENGE);

            stranger.send(new OutboundFrame(WireProtocol.KIND_REQUEST, 1, Verb.PING.code(), new byte[0]));

            assertThat(stranger.awaitClosed()).isTrue();
            assertThat(n2.stats()).containsEntry("connections_refused", 1L).containsEntry("requests_received", 0L);
        }
    }

    @Test
    void frameOfAnotherProtocolVersionClosesTheConnection() throws Exception {
        start(N2);
        try (RawClusterClient future = new RawClusterClient(group, addresses.get(N2))) {
            future.authenticate(N1, SECRET);

            future.sendRaw(Unpooled.buffer().writeInt(WireProtocol.HEADER_BYTES).writeByte(WireProtocol.VERSION + 1)
                    .writeByte(WireProtocol.KIND_REQUEST).writeLong(1).writeShort(Verb.PING.code()));

            assertThat(future.awaitClosed()).isTrue();
        }
    }

    @Test
    void requestWithoutTimelyReplyTimesOutAndTheLateReplyIsCountedNotDelivered() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2);
        CompletableFuture<byte[]> slow = new CompletableFuture<>();
        n2.register(Verb.REPLICA_READ, (from, payload) -> slow);

        CompletableFuture<byte[]> reply = n1.request(N2, Verb.REPLICA_READ, bytes("k"), 100);

        assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(RequestTimeoutException.class);
        assertThat(n1.stats()).containsEntry("timeouts", 1L).containsEntry("in_flight", 0L);
        slow.complete(bytes("finally"));
        awaitTrue("the late reply is counted", () -> n1.stats().get("responses_late") == 1L);
        assertThat(n1.isConnected(N2)).isTrue();
    }

    @Test
    void shortTimeoutRequestSentAfterALongTimeoutOneStillTimesOutOnTime() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2);
        n2.register(Verb.SCAN_PAGE, (from, payload) -> new CompletableFuture<>()); // never answers
        CompletableFuture<byte[]> patient = n1.request(N2, Verb.SCAN_PAGE, new byte[0], 60_000);
        awaitTrue("n2 received the first request", () -> n2.stats().get("requests_received") == 1L);

        assertShortTimeoutFiresOnTimeWhileTheLongOneWaits(n1, N2, patient);
    }

    @Test
    void shortTimeoutLocalRequestSentAfterALongTimeoutOneStillTimesOutOnTime() throws Exception {
        NettyMessagingService n1 = start(N1);
        n1.register(Verb.SCAN_PAGE, (from, payload) -> new CompletableFuture<>()); // never answers
        CompletableFuture<byte[]> patient = n1.request(N1, Verb.SCAN_PAGE, new byte[0], 60_000);

        assertShortTimeoutFiresOnTimeWhileTheLongOneWaits(n1, N1, patient);
    }

    /**
     * Deadlines are not in sending order when call sites use different timeouts: the short
     * request must fail at its own deadline (not earlier, and not when the long one would).
     */
    private static void assertShortTimeoutFiresOnTimeWhileTheLongOneWaits(NettyMessagingService n1, NodeId to,
            CompletableFuture<byte[]> patient) {
        long shortTimeoutMillis = 200;
        long startNanos = System.nanoTime();
        CompletableFuture<byte[]> hasty = n1.request(to, Verb.SCAN_PAGE, new byte[0], shortTimeoutMillis);

        assertThatThrownBy(() -> hasty.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(RequestTimeoutException.class)
                .hasMessageContaining("within " + shortTimeoutMillis + " ms");
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        assertThat(elapsedMillis).as("never before its timeout").isGreaterThanOrEqualTo(shortTimeoutMillis);
        // The sweep granularity is 10 ms; the rest is slack for a loaded build machine.
        assertThat(elapsedMillis).as("close to its timeout, not the other request's").isLessThan(3_000);
        assertThat(patient).isNotDone();
        assertThat(n1.stats()).containsEntry("timeouts", 1L).containsEntry("in_flight", 1L);
    }

    @Test
    void requestToPeerThatIsDownFailsQuicklyAsUnreachableAndBacksOff() throws Exception {
        NettyMessagingService n1 = start(N1);
        addresses.put(N2, new InetSocketAddress("127.0.0.1", closedPort()));

        long startNanos = System.nanoTime();
        CompletableFuture<byte[]> first = n1.request(N2, Verb.PING, new byte[0], TIMEOUT_MILLIS);
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(PeerUnreachableException.class);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

        assertThat(elapsedMillis).as("connection refused is not a timeout").isLessThan(1_000);
        CompletableFuture<byte[]> duringBackoff = n1.request(N2, Verb.PING, new byte[0], TIMEOUT_MILLIS);
        assertThatThrownBy(() -> duringBackoff.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(ReconnectBackoffException.class).hasMessageContaining("n2 unreachable");
        assertThat(ReconnectBackoffException.isFreshUnreachable(catchThrowable(first::join).getCause()))
                .as("the failed connect itself is evidence; the fast-fails after it are not").isTrue();
        assertThat(n1.isConnected(N2)).isFalse();
        assertThat(n1.stats()).containsEntry("failures", 2L).containsEntry("in_flight", 0L);
    }

    @Test
    void requestToNodeWithoutKnownAddressFailsAsUnreachable() throws Exception {
        NettyMessagingService n1 = start(N1);

        CompletableFuture<byte[]> reply = n1.request(new NodeId("n9"), Verb.PING, new byte[0], TIMEOUT_MILLIS);

        assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(PeerUnreachableException.class).hasMessage("no address known for n9");
    }

    @Test
    void requestsSucceedAgainOnceARestartedPeerIsBackOnTheSamePort() throws Exception {
        ManualClock clock = new ManualClock(0);
        NettyMessagingService n1 = peerRestartedAfterAFailedConnect(clock);
        CompletableFuture<byte[]> withinBackoff = n1.request(N2, Verb.PING, bytes("3"), TIMEOUT_MILLIS);
        assertThatThrownBy(() -> withinBackoff.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(PeerUnreachableException.class).hasMessageContaining("unreachable");
        clock.advanceMillis(TransportLimits.RECONNECT_BACKOFF_MILLIS_DEFAULT);

        assertThat(n1.request(N2, Verb.PING, bytes("4"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).isEqualTo(bytes("4"));
        assertThat(n1.isConnected(N2)).isTrue();
    }

    @Test
    void aPeerHeardFromAgainIsReconnectedAtOnceWithoutWaitingOutTheBackoff() throws Exception {
        ManualClock clock = new ManualClock(0); // never advanced: the backoff would last forever
        NettyMessagingService n1 = peerRestartedAfterAFailedConnect(clock);

        n1.clearBackoff(N2);

        assertThat(n1.request(N2, Verb.PING, bytes("3"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).isEqualTo(bytes("3"));
        assertThat(n1.isConnected(N2)).isTrue();
    }

    /**
     * n1 (on {@code clock}) talked to n2; n2 went away and a request to it failed to connect;
     * n2 is back on the same port. Returns n1, which is now within its reconnect backoff.
     */
    private NettyMessagingService peerRestartedAfterAFailedConnect(ManualClock clock) throws Exception {
        NettyMessagingService n1 = start(N1, SECRET, TransportLimits.defaults(), clock, 0);
        NettyMessagingService n2 = start(N2);
        echoPing(n2);
        int port = n2.boundPort();
        assertThat(n1.request(N2, Verb.PING, bytes("1"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).isEqualTo(bytes("1"));
        n2.close();
        awaitTrue("n1 notices that n2 went away", () -> !n1.isConnected(N2));
        CompletableFuture<byte[]> whileDown = n1.request(N2, Verb.PING, bytes("2"), TIMEOUT_MILLIS);
        assertThatThrownBy(() -> whileDown.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(PeerUnreachableException.class);
        NettyMessagingService restarted = start(N2, SECRET, TransportLimits.defaults(), Clock.system(), port);
        echoPing(restarted);
        return n1;
    }

    @Test
    void peerWithWrongSecretIsRefusedWithAWarningAndRequestsFailAsUnreachable() throws Exception {
        Logger serverLog = (Logger) LoggerFactory.getLogger("io.ringkv.ring.transport.netty.ServerHandler");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        serverLog.addAppender(captured);
        try {
            NettyMessagingService intruder = start(N1, bytes("wrong secret"), TransportLimits.defaults(), Clock.system(), 0);
            NettyMessagingService n2 = start(N2);
            echoPing(n2);

            CompletableFuture<byte[]> reply = intruder.request(N2, Verb.PING, bytes("let me in"), TIMEOUT_MILLIS);

            assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(PeerUnreachableException.class);
            assertThat(n2.stats()).containsEntry("connections_refused", 1L).containsEntry("requests_received", 0L);
            assertThat(intruder.isConnected(N2)).isFalse();
            assertThat(captured.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
                assertThat(e.getFormattedMessage()).startsWith("refused cluster connection from /127.0.0.1:")
                        .endsWith(": bad cluster secret");
            });
        } finally {
            serverLog.detachAppender(captured);
        }
    }

    @Test
    void identifyTellsWhichNodeAnswersAtAnAddressAndClosesTheConnection() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2);

        NodeId who = n1.identify(addresses.get(N2), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS);

        assertThat(who).isEqualTo(N2);
        // A one-off connection: it is neither kept as n1's connection to n2 nor counted as a request.
        assertThat(n1.isConnected(N2)).isFalse();
        assertThat(n2.stats()).containsEntry("requests_received", 0L);
    }

    @Test
    void forgettingAPeerClosesItsConnectionAndDropsItsEntryUntilItIsAskedForAgain() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2);
        echoPing(n2);
        n1.request(N2, Verb.PING, bytes("hi"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS);
        assertThat(n1.stats()).containsEntry("peers_connected", 1L);

        n1.forget(N2);

        TransportTestSupport.awaitTrue("n1 closed its connection to n2", () -> !n1.isConnected(N2) && n1.stats().get("peers_connected") == 0L);
        // Should the node come back, a new request connects afresh.
        assertThat(n1.request(N2, Verb.PING, bytes("again"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).isEqualTo(bytes("again"));
    }

    @Test
    void identifyFailsWhenNothingListensOrThePeerHasAnotherSecret() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService stranger = start(N2, bytes("another cluster"), TransportLimits.defaults(), Clock.system(), 0);
        InetSocketAddress strangerAddress = addresses.get(N2);
        stranger.close();
        // Nothing listens there any more.
        assertThatThrownBy(() -> n1.identify(strangerAddress, TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(PeerUnreachableException.class);
        NettyMessagingService other = start(new NodeId("n3"), bytes("another cluster"), TransportLimits.defaults(), Clock.system(), 0);
        assertThatThrownBy(() -> n1.identify(addresses.get(new NodeId("n3")), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(PeerUnreachableException.class).hasMessageContaining("no node identified at");
        assertThat(other.stats()).containsEntry("connections_refused", 1L);
    }

    @Test
    void emptySecretOnBothSidesStillConnectsAndExchangesNodeIds() throws Exception {
        NettyMessagingService n1 = start(N1, new byte[0], TransportLimits.defaults(), Clock.system(), 0);
        NettyMessagingService n2 = start(N2, new byte[0], TransportLimits.defaults(), Clock.system(), 0);
        n2.register(Verb.PING, (from, payload) -> CompletableFuture.completedFuture(bytes(from.id())));

        assertThat(n1.request(N2, Verb.PING, new byte[0], TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).isEqualTo(bytes("n1"));
    }

    @Test
    void addressAnsweredByAnotherNodeIsNotTakenForThePeer() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n3 = start(new NodeId("n3"));
        echoPing(n3);
        addresses.put(N2, addresses.get(new NodeId("n3"))); // stale membership: n2's old address is n3's now

        CompletableFuture<byte[]> reply = n1.request(N2, Verb.PING, new byte[0], TIMEOUT_MILLIS);

        assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(PeerUnreachableException.class).hasMessageContaining("expected node n2 but n3 answered");
    }

    @Test
    void requestBeyondTheInFlightBoundFailsAtOnceWithOverloaded() throws Exception {
        int bound = 4;
        NettyMessagingService n1 = start(N1, SECRET, TransportLimits.defaults().withInFlightPerPeerMax(bound),
                Clock.system(), 0);
        NettyMessagingService n2 = start(N2);
        List<CompletableFuture<byte[]>> held = new CopyOnWriteArrayList<>();
        n2.register(Verb.REPLICA_READ, (from, payload) -> {
            CompletableFuture<byte[]> later = new CompletableFuture<>();
            held.add(later);
            return later;
        });
        List<CompletableFuture<byte[]>> replies = new ArrayList<>();
        for (int i = 0; i < bound; i++) {
            replies.add(n1.request(N2, Verb.REPLICA_READ, bytes("k" + i), TIMEOUT_MILLIS));
        }

        CompletableFuture<byte[]> oneTooMany = n1.request(N2, Verb.REPLICA_READ, bytes("k"), TIMEOUT_MILLIS);

        assertThat(oneTooMany).isCompletedExceptionally();
        assertThatThrownBy(oneTooMany::join).cause().isInstanceOf(OverloadedException.class);
        awaitTrue("n2 holds every request", () -> held.size() == bound);
        held.forEach(f -> f.complete(bytes("done"))); // answered from this thread, not the event loop
        for (CompletableFuture<byte[]> reply : replies) {
            assertThat(reply.get(5, TimeUnit.SECONDS)).isEqualTo(bytes("done"));
        }
        assertThat(n1.request(N2, Verb.REPLICA_READ, bytes("k"), TIMEOUT_MILLIS)).isNotCompletedExceptionally();
    }

    @Test
    void payloadTooLargeForAFrameFailsBeforeSending() throws Exception {
        NettyMessagingService n1 = start(N1, SECRET, TransportLimits.defaults().withFrameBytesMax(4096), Clock.system(), 0);

        CompletableFuture<byte[]> reply = n1.request(N2, Verb.REPLICA_WRITE, new byte[5000], TIMEOUT_MILLIS);

        assertThatThrownBy(reply::join).cause().isInstanceOf(FrameTooLargeException.class);
        assertThat(n1.isConnected(N2)).isFalse();
    }

    @Test
    void frameLargerThanTheReceiversLimitClosesTheConnection() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2, SECRET, TransportLimits.defaults().withFrameBytesMax(4096), Clock.system(), 0);
        echoPing(n2);
        assertThat(n1.request(N2, Verb.PING, bytes("small"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS)).isEqualTo(bytes("small"));

        CompletableFuture<byte[]> oversized = n1.request(N2, Verb.PING, new byte[10_000], TIMEOUT_MILLIS);

        // It was written before the receiver hung up: whether it ran there is unknown.
        assertThatThrownBy(() -> oversized.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(ConnectionLostException.class).hasMessageContaining("lost");
        assertThat(n1.request(N2, Verb.PING, bytes("again"), TIMEOUT_MILLIS).get(5, TimeUnit.SECONDS))
                .as("the next request reconnects").isEqualTo(bytes("again"));
    }

    @Test
    void closeFailsEveryPendingRequestAsTransportClosed() throws Exception {
        NettyMessagingService n1 = start(N1);
        NettyMessagingService n2 = start(N2);
        CompletableFuture<byte[]> never = new CompletableFuture<>();
        n2.register(Verb.SCAN_PAGE, (from, payload) -> never);
        n1.register(Verb.SCAN_PAGE, (from, payload) -> never);
        CompletableFuture<byte[]> remote = n1.request(N2, Verb.SCAN_PAGE, new byte[0], TIMEOUT_MILLIS);
        CompletableFuture<byte[]> local = n1.request(N1, Verb.SCAN_PAGE, new byte[0], TIMEOUT_MILLIS);
        awaitTrue("n2 received the request", () -> n2.stats().get("requests_received") == 1L);

        n1.close();

        assertThatThrownBy(remote::join).cause().isInstanceOf(PeerUnreachableException.class).hasMessage("transport closed");
        assertThatThrownBy(local::join).cause().isInstanceOf(PeerUnreachableException.class).hasMessage("transport closed");
        assertThatThrownBy(() -> n1.request(N2, Verb.PING, new byte[0], TIMEOUT_MILLIS).join())
                .cause().isInstanceOf(PeerUnreachableException.class);
        assertThat(n1.stats()).containsEntry("in_flight", 0L);
    }

    /** A port nothing listens on: bound once, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
