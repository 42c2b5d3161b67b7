package io.ringkv.compat.pipeline;

import io.ringkv.common.Clock;
import io.ringkv.compat.harness.Ports;
import io.ringkv.node.NodeBootstrap;
import io.ringkv.resp.config.ServerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Three RingKV nodes (memory engine) in the test JVM, forming one cluster over loopback. */
final class InProcessCluster implements AutoCloseable {
    /** Cluster port = client port + this (kept small so both ports are below 65536). */
    private static final int OFFSET = 1000;
    private final List<NodeBootstrap> nodes = new ArrayList<>();

    private InProcessCluster() {}

    static InProcessCluster start(int size, Map<String, String> overrides) throws Exception {
        int[] ports = new int[size];
        StringBuilder seeds = new StringBuilder();
        for (int i = 0; i < size; i++) {
            ports[i] = freePortWithFreeClusterPort();
            seeds.append(i > 0 ? "," : "").append("n").append(i + 1).append("@127.0.0.1:").append(ports[i]);
        }
        InProcessCluster c = new InProcessCluster();
        try {
            for (int i = 0; i < size; i++) {
                ServerConfig config = new ServerConfig();
                config.setInitial("port", Integer.toString(ports[i]));
                config.setInitial("node-id", "n" + (i + 1));
                config.setInitial("seeds", seeds.toString());
                config.setInitial("cluster-port-offset", Integer.toString(OFFSET));
                config.setInitial("cluster-secret", "test-secret");
                config.setInitial("storage.engine", "memory");
                config.setInitial("io-threads", "1");
                config.setInitial("gossip-interval-ms", "100");
                overrides.forEach(config::setInitial);
                c.nodes.add(NodeBootstrap.start(config, Clock.system()));
            }
            c.awaitAllUp(size);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Peers are up once gossip has brought their first heartbeats: a few rounds after start. */
    private void awaitAllUp(int size) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (NodeBootstrap n : nodes) {
            while (n.context().cluster().membership().ring().members().stream().filter(m -> n.context().cluster().membership().isAlive(m.id()))
                    .count() < size) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("in-process cluster: peers not all up after 30 s");
                }
                Thread.sleep(20);
            }
        }
    }

    private static int freePortWithFreeClusterPort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = Ports.free();
            if (p + OFFSET > 65535) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(p + OFFSET, 1, java.net.InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port pair found");
    }

    int port(int i) {
        return nodes.get(i).port();
    }

    int size() {
        return nodes.size();
    }

    @Override
    public void close() {
        for (NodeBootstrap n : nodes) {
            n.close();
        }
    }
}
