package io.ringkv.ring.transport;

import io.ringkv.ring.NodeId;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Request/response messaging between nodes, by node id. Implemented over Netty for real nodes
 * and in memory for the simulator. Messages to oneself are delivered locally (no socket).
 *
 * <p>Failures complete the returned future exceptionally with a {@link TransportException}:
 * {@link PeerUnreachableException} (no connection), {@link RequestTimeoutException} (no reply
 * within the timeout), {@link OverloadedException} (too many requests in flight to that
 * peer), {@link RemoteFailureException} (the peer's handler failed).
 */
public interface MessagingService extends AutoCloseable {
    NodeId localNode();

    /** Installs the handler for {@code verb}; at most one per verb. */
    void register(Verb verb, RequestHandler handler);

    /** Sends a request and completes with the reply payload. */
    CompletableFuture<byte[]> request(NodeId to, Verb verb, byte[] payload, long timeoutMillis);

    /** Counters for INFO ring (requests sent, received, timeouts, in-flight, bytes). */
    Map<String, Long> stats();

    @Override
    void close();
}
