package io.ringkv.compat.badinput;

import static io.ringkv.compat.badinput.Exchange.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RawRespClient;
import io.ringkv.compat.harness.RedisServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that misbehave at the connection level: too many of them, idle ones, slow ones,
 * ones that declare huge sizes and never send them, and thousands of short connections.
 * Each test ends with the server answering PING on a fresh connection and a key written
 * before the abuse still intact.
 */
@Timeout(120)
class ConnectionAbuseIT {

    @Test
    void maxclientsRejectsTheExtraConnectionWithRedisText() throws Exception {
        try (InProcessNode node = InProcessNode.start(Map.of("maxclients", "5"))) {
            Exchange.put(node.port(), "sentinel", "intact");
            String ours = overTheLimit(node.port(), 5);
            assertThat(ours).isEqualTo("-ERR max number of clients reached\r\n|EOF");
            if (RedisServerProcess.available()) {
                try (RedisServerProcess redis = RedisServerProcess.start("--maxclients", "5")) {
                    assertThat(overTheLimit(redis.port(), 5)).as("redis-server").isEqualTo(ours);
                }
            }
            Exchange.assertHealthy(node.port(), "sentinel", "intact");
        }
    }

    /** Fills the server to {@code max} live clients, then returns what the next one receives. */
    private static String overTheLimit(int port, int max) throws IOException, InterruptedException {
        List<RawRespClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < max; i++) {
                RawRespClient c = new RawRespClient(port);
                // A round trip makes sure the server has registered this client before the next.
                assertThat(c.callString("PING")).isEqualTo("+PONG\r\n");
                held.add(c);
            }
            Exchange extra = Exchange.send(port, new byte[0], 2000, false);
            String result = extra.text() + (extra.closedByServer() ? "|EOF" : "|open");
            // The held clients are unaffected.
            for (RawRespClient c : held) {
                assertThat(c.callString("PING")).isEqualTo("+PONG\r\n");
            }
            // A freed slot is usable again.
            held.remove(0).close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                Exchange again = Exchange.send(port, bytes("PING\r\n"));
                if (again.text().equals("+PONG\r\n")) {
                    break;
                }
                assertThat(System.nanoTime()).as("slot freed by a closed client is reused").isLessThan(deadline);
                Thread.sleep(50);
            }
            return result;
        } finally {
            for (RawRespClient c : held) {
                c.close();
            }
        }
    }

    @Test
    void idleTimeoutClosesIdleClientsOnly() throws Exception {
        try (InProcessNode node = InProcessNode.start(Map.of("timeout", "1"));
                RawRespClient idle = new RawRespClient(node.port());
                RawRespClient busy = new RawRespClient(node.port())) {
            assertThat(idle.callString("SET", "sentinel", "intact")).isEqualTo("+OK\r\n");
            long start = System.nanoTime();
            idle.setTimeoutMillis(200);
            boolean closed = false;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
                assertThat(busy.callString("PING")).isEqualTo("+PONG\r\n");
                if (idle.isClosedByServer()) {
                    closed = true;
                    break;
                }
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(closed).as("idle client closed within 5 s").isTrue();
            assertThat(elapsedMillis).as("not before the 1 s timeout").isGreaterThanOrEqualTo(900);
            assertThat(busy.callString("GET", "sentinel")).isEqualTo("$6\r\nintact\r\n");
            Exchange.assertHealthy(node.port(), "sentinel", "intact");
        }
    }

    @Test
    void hugeDeclaredSizesAreNotPreallocated() throws Exception {
        try (InProcessNode node = InProcessNode.start()) {
            Exchange.put(node.port(), "sentinel", "intact");
            Runtime rt = Runtime.getRuntime();
            List<Socket> liars = new ArrayList<>();
            try {
                // 40 clients x (a 2^31-1 element multibulk, or a 512 MiB bulk) = tens of GiB if
                // preallocated; the test JVM has far less, so the server must allocate by what arrives.
                for (int i = 0; i < 40; i++) {
                    Socket s = new Socket("127.0.0.1", node.port());
                    String frame = i % 2 == 0
                            ? "*2147483647\r\n$4\r\nPING\r\n$4\r\nPING\r\n"
                            : "*2\r\n$3\r\nSET\r\n$536870912\r\n" + "z".repeat(1000);
                    s.getOutputStream().write(bytes(frame));
                    s.getOutputStream().flush();
                    liars.add(s);
                }
                Thread.sleep(300);
                Exchange.assertHealthy(node.port(), "sentinel", "intact");
                System.gc();
                long usedMiB = (rt.totalMemory() - rt.freeMemory()) >> 20;
                assertThat(usedMiB).as("heap used with 40 huge declared frames pending (max %d MiB)", rt.maxMemory() >> 20)
                        .isLessThan(512);
            } finally {
                for (Socket s : liars) {
                    s.close();
                }
            }
            Exchange.assertHealthy(node.port(), "sentinel", "intact");
        }
    }

    @Test
    void slowLorisFrameOneByteAtATimeStillWorks() throws Exception {
        try (InProcessNode node = InProcessNode.start(); Socket s = new Socket("127.0.0.1", node.port())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(5000);
            byte[] frame = RawRespClient.command("SET", "sentinel", "intact");
            byte[] inline = bytes("GET sentinel\r\n");
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < frame.length; i++) {
                out.write(frame[i]);
                out.flush();
                Thread.sleep(3);
                if (i < frame.length - 1) {
                    assertThat(in.available()).as("nothing is answered before the frame completes").isZero();
                }
            }
            assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
            for (byte b : inline) {
                out.write(b);
                out.flush();
                Thread.sleep(3);
            }
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("$6\r\nintact\r\n");
            Exchange.assertHealthy(node.port(), "sentinel", "intact");
        }
    }

    @Test
    void manyPartialFramesDoNotDisturbOtherClients() throws Exception {
        try (InProcessNode node = InProcessNode.start()) {
            Exchange.put(node.port(), "sentinel", "intact");
            List<Socket> partial = new ArrayList<>();
            try (RawRespClient other = new RawRespClient(node.port())) {
                for (int i = 0; i < 300; i++) {
                    Socket s = new Socket("127.0.0.1", node.port());
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(bytes("*3\r\n$3\r\nSET\r\n$" + ("partial:" + i).length() + "\r\npartial:" + i + "\r\n$5\r\nva"));
                    partial.add(s);
                }
                long start = System.nanoTime();
                for (int i = 0; i < 2000; i++) {
                    assertThat(other.callString("INCR", "other-counter")).isEqualTo(":" + (i + 1) + "\r\n");
                }
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("2000 round trips").isLessThan(20_000);
                for (Socket s : partial) {
                    s.getOutputStream().write(bytes("lue\r\n"));
                }
                for (Socket s : partial) {
                    assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
                }
                assertThat(other.callString("GET", "partial:299")).isEqualTo("$5\r\nvalue\r\n");
            } finally {
                for (Socket s : partial) {
                    s.close();
                }
            }
            Exchange.assertHealthy(node.port(), "sentinel", "intact");
        }
    }

    @Test
    void thousandsOfShortConnections() throws Exception {
        try (InProcessNode node = InProcessNode.start()) {
            Exchange.put(node.port(), "sentinel", "intact");
            // 1000 sequential connect/command/close.
            for (int i = 0; i < 1000; i++) {
                try (Socket s = new Socket("127.0.0.1", node.port())) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(bytes("INCR seq\r\n"));
                    String reply = readLine(s.getInputStream());
                    assertThat(reply).isEqualTo(":" + (i + 1));
                }
            }
            // 1000 more from 8 threads at once, 1000 held open simultaneously at the peak.
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger ok = new AtomicInteger();
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 125; i++) {
                            Socket s = new Socket("127.0.0.1", node.port());
                            held.add(s);
                            s.setSoTimeout(10_000);
                            s.getOutputStream().write(bytes("INCR conc\r\n"));
                            if (readLine(s.getInputStream()).startsWith(":")) {
                                ok.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
                try (RawRespClient c = new RawRespClient(node.port())) {
                    assertThat(c.callString("GET", "conc")).isEqualTo("$4\r\n1000\r\n");
                    String clients = new String(c.call("INFO", "clients"), StandardCharsets.UTF_8);
                    assertThat(clients).contains("connected_clients:1001");
                }
            } finally {
                pool.shutdownNow();
                for (Socket s : held) {
                    s.close();
                }
            }
            assertThat(ok.get()).isEqualTo(1000);
            // All of them go away from the server's client table.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try (RawRespClient c = new RawRespClient(node.port())) {
                    String clients = new String(c.call("INFO", "clients"), StandardCharsets.UTF_8);
                    if (clients.contains("connected_clients:1\r\n")) {
                        break;
                    }
                }
                assertThat(System.nanoTime()).as("closed clients unregistered within 10 s").isLessThan(deadline);
                Thread.sleep(100);
            }
            Exchange.assertHealthy(node.port(), "sentinel", "intact");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("EOF after '" + sb + "'");
            }
            if (prev == '\r' && c == '\n') {
                return sb.substring(0, sb.length() - 1);
            }
            sb.append((char) c);
            prev = c;
        }
    }
}
