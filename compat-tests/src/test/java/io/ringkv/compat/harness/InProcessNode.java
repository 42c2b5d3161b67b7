package io.ringkv.compat.harness;

import io.ringkv.common.Clock;
import io.ringkv.node.NodeBootstrap;
import io.ringkv.resp.config.ServerConfig;
import java.util.Map;

/** A RingKV node in the test JVM, listening on a real loopback socket on a free port. */
public final class InProcessNode implements AutoCloseable {
    private final NodeBootstrap node;

    private InProcessNode(NodeBootstrap node) {
        this.node = node;
    }

    /** Starts a memory-engine node; {@code overrides} are config keys (e.g. requirepass). */
    public static InProcessNode start(Map<String, String> overrides) throws InterruptedException {
        ServerConfig config = new ServerConfig();
        config.setInitial("port", Integer.toString(Ports.free()));
        config.setInitial("storage.engine", "memory");
        config.setInitial("io-threads", "2");
        overrides.forEach(config::setInitial);
        try {
            return new InProcessNode(NodeBootstrap.start(config, Clock.system()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static InProcessNode start() throws InterruptedException {
        return start(Map.of());
    }

    public int port() {
        return node.port();
    }

    public NodeBootstrap node() {
        return node;
    }

    @Override
    public void close() {
        node.close();
    }
}
