package io.ringkv.ring.transport;

import io.ringkv.ring.NodeId;
import java.util.concurrent.CompletableFuture;

/**
 * Serves one verb. Called on a transport thread: must not block on other nodes; return a
 * future completed when the reply is ready. A thrown exception or a failed future becomes a
 * {@link RemoteFailureException} at the caller.
 */
@FunctionalInterface
public interface RequestHandler {
    CompletableFuture<byte[]> handle(NodeId from, byte[] payload);
}
