package io.ringkv.ring.transport;

import io.ringkv.ring.NodeId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Messaging for a one-node cluster: requests to this node run its handlers directly; every
 * other node is unreachable. No socket is opened.
 */
public final class LocalMessagingService implements MessagingService {
    private final NodeId self;
    private final Map<Verb, RequestHandler> handlers = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();

    public LocalMessagingService(NodeId self) {
        this.self = self;
    }

    @Override
    public NodeId localNode() {
        return self;
    }

    @Override
    public void register(Verb verb, RequestHandler handler) {
        if (handlers.putIfAbsent(verb, handler) != null) {
            throw new IllegalStateException("handler registered twice for " + verb);
        }
    }

    @Override
    public CompletableFuture<byte[]> request(NodeId to, Verb verb, byte[] payload, long timeoutMillis) {
        if (!to.equals(self)) {
            return CompletableFuture.failedFuture(new PeerUnreachableException("no transport to " + to + " in a one-node cluster"));
        }
        RequestHandler h = handlers.get(verb);
        if (h == null) {
            return CompletableFuture.failedFuture(new RemoteFailureException("unknown verb " + verb.code()));
        }
        requests.increment();
        try {
            return h.handle(self, payload);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new RemoteFailureException(String.valueOf(e.getMessage()), e));
        }
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("requests_local", requests.sum());
        return m;
    }

    @Override
    public void close() {}
}
