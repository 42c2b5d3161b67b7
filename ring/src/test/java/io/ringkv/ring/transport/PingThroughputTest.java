package io.ringkv.ring.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import io.ringkv.common.Clock;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.netty.NettyMessagingService;
import io.ringkv.ring.transport.netty.TransportLimits;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Measures PING round trips between two services on one machine. Prints, asserts nothing about
 * speed: the numbers depend on the machine and what else runs on it.
 */
class PingThroughputTest {
    private static final long TIMEOUT_MILLIS = 10_000;

    @Test
    void pingLoopReportsRequestsPerSecond() throws Exception {
        TransportTestSupport.paranoidLeakDetectionAndQuietLogs();
        // Paranoid leak detection records a stack trace per buffer access; measure at the
        // production default instead (the other tests cover leaks on the same code paths).
        ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        NodeId n1 = new NodeId("n1");
        NodeId n2 = new NodeId("n2");
        Map<NodeId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
        byte[] secret = "s".getBytes(StandardCharsets.UTF_8);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try (NettyMessagingService a = new NettyMessagingService(n1, "127.0.0.1", 0, addresses::get, secret,
                        TransportLimits.defaults(), group, Clock.system());
                NettyMessagingService b = new NettyMessagingService(n2, "127.0.0.1", 0, addresses::get, secret,
                        TransportLimits.defaults(), group, Clock.system())) {
            addresses.put(n1, new InetSocketAddress("127.0.0.1", a.start()));
            addresses.put(n2, new InetSocketAddress("127.0.0.1", b.start()));
            b.register(Verb.PING, (from, payload) -> CompletableFuture.completedFuture(payload));
            byte[] payload = new byte[16];

            sequential(a, n2, payload, 1_000); // warm-up: connect, JIT
            double sequentialPerSecond = sequential(a, n2, payload, 3_000);
            windowed(a, n2, payload, 20_000, 256); // warm-up
            double windowedPerSecond = windowed(a, n2, payload, 100_000, 256);

            System.out.printf("PING sequential (1 in flight): %.0f requests/s%n", sequentialPerSecond);
            System.out.printf("PING windowed (256 in flight): %.0f requests/s%n", windowedPerSecond);
            Map<String, Long> stats = a.stats();
            System.out.printf("requests per flush: %.1f%n", (double) stats.get("requests_sent") / stats.get("request_flushes"));
            System.out.println("client stats: " + stats);
            assertThat(a.stats()).containsEntry("failures", 0L).containsEntry("timeouts", 0L);
        } finally {
            ResourceLeakDetector.setLevel(leakLevel);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static double sequential(MessagingService from, NodeId to, byte[] payload, int count) throws Exception {
        long startNanos = System.nanoTime();
        for (int i = 0; i < count; i++) {
            from.request(to, Verb.PING, payload, TIMEOUT_MILLIS).get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
        return count * 1e9 / (System.nanoTime() - startNanos);
    }

    /** One thread keeps {@code window} requests in flight, as a coordinator fanning out would. */
    private static double windowed(MessagingService from, NodeId to, byte[] payload, int count, int window) throws Exception {
        Semaphore permits = new Semaphore(window);
        long startNanos = System.nanoTime();
        for (int i = 0; i < count; i++) {
            permits.acquire();
            from.request(to, Verb.PING, payload, TIMEOUT_MILLIS).whenComplete((reply, failure) -> permits.release());
        }
        permits.acquire(window);
        return count * 1e9 / (System.nanoTime() - startNanos);
    }
}
