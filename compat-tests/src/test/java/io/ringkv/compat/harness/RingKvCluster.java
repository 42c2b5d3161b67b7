package io.ringkv.compat.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A cluster of real RingKV server processes on loopback, each started through
 * {@code bin/ringkv server} with the same seed list, for tests that kill, restart and partition
 * nodes. Nodes are numbered 0..n-1 and named n1..nN.
 *
 * <p>Client ports are chosen so that each port plus the cluster-port offset is free too. With
 * {@link Builder#withProxies()}, every directed pair of nodes talks through its own
 * {@link FaultProxy} (via {@code --peer-cluster-addresses}), so {@link #partition} can cut the
 * network between groups of processes.
 *
 * <p>{@link #close()} kills every process, stops every proxy, copies each node's log to
 * {@code compat-tests/target/cluster-logs/} (for failures) and deletes the data directories.
 */
public final class RingKvCluster implements AutoCloseable {
    public static final String CLUSTER_SECRET = "compat-cluster-secret";
    private static final int CLUSTER_PORT_OFFSET = 10_000;
    private static final int PORT_ATTEMPTS_MAX = 1000;
    /** Start-up and membership waits: generous, since 2 shared cores start 3 JVMs at once. */
    public static final Duration MEMBERSHIP_TIMEOUT = Duration.ofSeconds(30);
    /**
     * JVM flags for test nodes: a small heap, the serial collector and the C1 compiler only
     * start three JVMs on two shared cores in about a third less time than the defaults, and
     * tests run seconds, not the minutes C2 needs to pay off.
     */
    private static final String JAVA_OPTS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    private final String name;
    private final List<Node> nodes;
    private final FaultProxy[][] proxies;
    /** The nodes' requirepass (empty: none); the harness's own connections AUTH with it. */
    private final String password;
    /** The flags every node shares (secret, engine, timeouts, extra args), for nodes added later. */
    private List<String> commonArgs = List.of();

    /** One node: its fixed identity and, while it runs, its process. */
    private static final class Node {
        final String id;
        final int port;
        final Path dataDir;
        final List<String> args;
        RingKvProcess process;
        int starts;
        /** Whether the current process's output was copied to target/cluster-logs (done once it exits). */
        boolean logSaved;

        Node(String id, int port, Path dataDir, List<String> args) {
            this.id = id;
            this.port = port;
            this.dataDir = dataDir;
            this.args = args;
        }
    }

    private RingKvCluster(String name, List<Node> nodes, FaultProxy[][] proxies, String password) {
        this.name = name;
        this.nodes = nodes;
        this.proxies = proxies;
        this.password = password;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Options of a cluster; {@link #start()} launches it and waits until every node sees every other up. */
    public static final class Builder {
        private final String name;
        private int size = 3;
        private String engine = "memory";
        private boolean proxies;
        /**
         * Gossip every 200 ms, and a failure detector scaled to it (a killed node is judged down
         * in about 2 s), so tests do not wait on production's one-second rounds.
         */
        private int gossipIntervalMillis = 200;
        private int requestTimeoutMillis = 5000;
        private String password = "";
        private final List<String> extraArgs = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder size(int n) {
            this.size = n;
            return this;
        }

        /** memory (default) or lsm. */
        public Builder engine(String engine) {
            this.engine = engine;
            return this;
        }

        /** A fault proxy on every directed pair of nodes. */
        public Builder withProxies() {
            this.proxies = true;
            return this;
        }

        public Builder gossipIntervalMillis(int ms) {
            this.gossipIntervalMillis = ms;
            return this;
        }

        public Builder requestTimeoutMillis(int ms) {
            this.requestTimeoutMillis = ms;
            return this;
        }

        /** Starts every node with {@code --requirepass}; the harness authenticates its own connections. */
        public Builder requirePass(String password) {
            this.password = password;
            return this;
        }

        /** Extra server flags, the same on every node (e.g. --appendfsync always). */
        public Builder args(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        public RingKvCluster start() throws IOException, InterruptedException {
            int[] ports = clientPorts(size);
            StringBuilder seeds = new StringBuilder();
            for (int i = 0; i < size; i++) {
                seeds.append(i == 0 ? "" : ",").append(id(i)).append("@127.0.0.1:").append(ports[i]);
            }
            FaultProxy[][] px = new FaultProxy[size][size];
            List<Node> nodes = new ArrayList<>();
            RingKvCluster cluster = new RingKvCluster(name, nodes, px, password);
            try {
                if (proxies) {
                    for (int from = 0; from < size; from++) {
                        for (int to = 0; to < size; to++) {
                            if (from != to) {
                                px[from][to] = FaultProxy.start(id(from) + "-" + id(to), ports[to] + CLUSTER_PORT_OFFSET);
                            }
                        }
                    }
                }
                List<String> common = new ArrayList<>(List.of("--cluster-secret", CLUSTER_SECRET,
                        "--cluster-port-offset", Integer.toString(CLUSTER_PORT_OFFSET),
                        "--storage-engine", engine, "--gossip-interval-ms", Integer.toString(gossipIntervalMillis),
                        "--phi-acceptable-pause-ms", Integer.toString(5 * gossipIntervalMillis),
                        "--phi-min-std-dev-ms", Integer.toString(gossipIntervalMillis),
                        "--ring-settle-ms", Integer.toString(3 * gossipIntervalMillis),
                        "--request-timeout-ms", Integer.toString(requestTimeoutMillis), "--io-threads", "2"));
                if (!password.isEmpty()) {
                    common.addAll(List.of("--requirepass", password));
                }
                common.addAll(extraArgs);
                cluster.commonArgs = List.copyOf(common);
                for (int i = 0; i < size; i++) {
                    List<String> args = new ArrayList<>(List.of("--node-id", id(i), "--seeds", seeds.toString()));
                    args.addAll(common);
                    Path dir = Files.createTempDirectory("ringkv-cluster-" + id(i));
                    args.addAll(List.of("--data-dir", dir.toString()));
                    if (proxies) {
                        StringBuilder peers = new StringBuilder();
                        for (int to = 0; to < size; to++) {
                            if (to != i) {
                                peers.append(peers.length() == 0 ? "" : ",").append(id(to)).append("=127.0.0.1:").append(px[i][to].port());
                            }
                        }
                        args.addAll(List.of("--peer-cluster-addresses", peers.toString()));
                    }
                    nodes.add(new Node(id(i), ports[i], dir, List.copyOf(args)));
                }
                // Launch all, then wait for each: the JVMs start in parallel.
                List<Thread> starters = new ArrayList<>();
                List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
                for (int i = 0; i < size; i++) {
                    int n = i;
                    Thread t = new Thread(() -> {
                        try {
                            cluster.startNode(n);
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }, "start-" + id(i));
                    t.start();
                    starters.add(t);
                }
                for (Thread t : starters) {
                    t.join();
                }
                if (!failures.isEmpty()) {
                    IllegalStateException e = new IllegalStateException("cluster " + name + " did not start", failures.get(0));
                    failures.stream().skip(1).forEach(e::addSuppressed);
                    throw e;
                }
                cluster.awaitAllSeeAllUp();
                return cluster;
            } catch (IOException | InterruptedException | RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        }
    }

    private static String id(int i) {
        return "n" + (i + 1);
    }

    /** Free client ports whose port + offset is free too, all distinct. */
    private static int[] clientPorts(int n) {
        int[] out = new int[n];
        Set<Integer> taken = new HashSet<>();
        int found = 0;
        for (int attempt = 0; attempt < PORT_ATTEMPTS_MAX && found < n; attempt++) {
            int p = Ports.free();
            int c = p + CLUSTER_PORT_OFFSET;
            if (c > 65535 || taken.contains(p) || taken.contains(c) || !bindable(c)) {
                continue;
            }
            taken.add(p);
            taken.add(c);
            out[found++] = p;
        }
        if (found < n) {
            throw new IllegalStateException("no " + n + " free port pairs (port, port+" + CLUSTER_PORT_OFFSET + ")");
        }
        return out;
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void startNode(int i) throws IOException, InterruptedException {
        Node n = nodes.get(i);
        n.process = RingKvProcess.start(n.port, Map.of("JAVA_OPTS", JAVA_OPTS), n.args.toArray(new String[0]));
        n.starts++;
        n.logSaved = false;
    }

    public int size() {
        return nodes.size();
    }

    /**
     * Starts one more node, named after the last, whose seeds are the nodes started so far but
     * not itself: it learns the ring by gossip and joins (streaming its partitions) by itself.
     * Returns its index. Not supported with proxies (the new node has none).
     */
    public int addNode() throws IOException, InterruptedException {
        return addNode(false);
    }

    /**
     * Starts one more node as a one-node cluster of its own (its only seed is itself): it joins
     * this cluster only when told to ({@code RING JOIN host:port}). Returns its index.
     */
    public int addSeparateNode() throws IOException, InterruptedException {
        return addNode(true);
    }

    private int addNode(boolean separate) throws IOException, InterruptedException {
        for (FaultProxy[] row : proxies) {
            for (FaultProxy p : row) {
                if (p != null) {
                    throw new IllegalStateException("cluster " + name + " uses proxies; addNode() does not");
                }
            }
        }
        int i = nodes.size();
        int port = freePortPairExcept(nodes.stream().map(n -> n.port).toList());
        StringBuilder seeds = new StringBuilder();
        for (Node n : separate ? List.<Node>of() : nodes) {
            seeds.append(seeds.length() == 0 ? "" : ",").append(n.id).append("@127.0.0.1:").append(n.port);
        }
        if (separate) {
            seeds.append(id(i)).append("@127.0.0.1:").append(port);
        }
        List<String> args = new ArrayList<>(List.of("--node-id", id(i), "--seeds", seeds.toString()));
        args.addAll(commonArgs);
        Path dir = Files.createTempDirectory("ringkv-cluster-" + id(i));
        args.addAll(List.of("--data-dir", dir.toString()));
        nodes.add(new Node(id(i), port, dir, List.copyOf(args)));
        startNode(i);
        return i;
    }

    private static int freePortPairExcept(List<Integer> used) {
        for (int attempt = 0; attempt < PORT_ATTEMPTS_MAX; attempt++) {
            int p = clientPorts(1)[0];
            if (!used.contains(p) && !used.contains(p + CLUSTER_PORT_OFFSET) && !used.contains(p - CLUSTER_PORT_OFFSET)) {
                return p;
            }
        }
        throw new IllegalStateException("no free port pair");
    }

    /** Deletes a stopped node's data directory (a disk replaced), leaving an empty one. */
    public void wipe(int i) throws IOException {
        if (isRunning(i)) {
            throw new IllegalStateException(nodeId(i) + " is running");
        }
        Path dir = nodes.get(i).dataDir;
        deleteTree(dir);
        Files.createDirectories(dir);
    }

    public int port(int i) {
        return nodes.get(i).port;
    }

    public String nodeId(int i) {
        return nodes.get(i).id;
    }

    public boolean isRunning(int i) {
        RingKvProcess p = nodes.get(i).process;
        return p != null && p.isAlive();
    }

    public long pid(int i) {
        return nodes.get(i).process.pid();
    }

    /** SIGKILL: the JVM gets no chance to flush or say goodbye. */
    public void kill(int i) throws InterruptedException {
        Node n = nodes.get(i);
        if (n.process != null && n.process.isAlive()) {
            n.process.killHard();
            saveLog(n);
        }
    }

    /** Starts a stopped node again with the same flags and data directory; waits until it answers. */
    public void restart(int i) throws IOException, InterruptedException {
        if (isRunning(i)) {
            throw new IllegalStateException(nodeId(i) + " is running");
        }
        startNode(i);
    }

    /** A RESP connection to node i, authenticated if the cluster has a password (the caller closes it). */
    public RawRespClient client(int i) throws IOException {
        RawRespClient c = new RawRespClient(port(i));
        if (!password.isEmpty()) {
            String ok = c.callString("AUTH", password);
            if (!ok.equals("+OK\r\n")) {
                c.close();
                throw new IOException("AUTH on " + nodeId(i) + " answered " + ok.strip());
            }
        }
        return c;
    }

    /** Fields of {@code INFO <section>} of node i. */
    public Map<String, String> info(int i, String section) throws IOException {
        try (RawRespClient c = client(i)) {
            byte[] reply = c.call("INFO", section);
            String text = new String(reply, StandardCharsets.UTF_8);
            if (!text.startsWith("$") && !text.startsWith("=")) {
                throw new IOException("INFO " + section + " on " + nodeId(i) + " answered " + text.strip());
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : text.substring(text.indexOf("\r\n") + 2).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("#")) {
                    out.put(line.substring(0, colon), line.substring(colon + 1));
                }
            }
            return out;
        }
    }

    public long infoRingCounter(int i, String field) throws IOException {
        String v = info(i, "ring").get(field);
        if (v == null) {
            throw new IOException("INFO ring of " + nodeId(i) + " has no field " + field);
        }
        return Long.parseLong(v);
    }

    /** Waits until node i's INFO ring says {@code members_up:expected}. */
    public void awaitMembersUp(int i, int expected) throws InterruptedException {
        Await.until(MEMBERSHIP_TIMEOUT, nodeId(i) + " sees " + expected + " members up", () -> {
            String up = info(i, "ring").get("members_up");
            return Integer.toString(expected).equals(up);
        });
    }

    /** Waits until node i sees exactly the nodes in {@code up} (indexes) as up, the others down. */
    public void awaitSeesUp(int i, Collection<Integer> up) throws InterruptedException {
        Await.until(MEMBERSHIP_TIMEOUT, nodeId(i) + " sees exactly " + ids(up) + " up", () -> {
            Map<String, String> ring = info(i, "ring");
            for (int j = 0; j < size(); j++) {
                if (j == i) {
                    continue;
                }
                String peer = ring.get("peer_" + nodeId(j));
                boolean isUp = peer != null && peer.contains("state=up");
                if (isUp != up.contains(j)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Waits until every running node sees every running node up. */
    public void awaitAllSeeAllUp() throws InterruptedException {
        List<Integer> running = running();
        for (int i : running) {
            awaitSeesUp(i, running);
        }
    }

    public List<Integer> running() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            if (isRunning(i)) {
                out.add(i);
            }
        }
        return out;
    }

    private String ids(Collection<Integer> idx) {
        List<String> out = new ArrayList<>();
        for (int i : idx) {
            out.add(nodeId(i));
        }
        return out.toString();
    }

    /** The proxy carrying {@code from}'s requests to {@code to} (needs {@link Builder#withProxies()}). */
    public FaultProxy proxy(int from, int to) {
        FaultProxy p = proxies[from][to];
        if (p == null) {
            throw new IllegalStateException("cluster " + name + " has no proxy " + nodeId(from) + "->" + nodeId(to));
        }
        return p;
    }

    /** Cuts every link between a node of {@code a} and a node of {@code b}, both directions. */
    public void partition(Collection<Integer> a, Collection<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                proxy(x, y).cut();
                proxy(y, x).cut();
            }
        }
    }

    /** Heals every link. */
    public void heal() {
        for (FaultProxy[] row : proxies) {
            for (FaultProxy p : row) {
                if (p != null) {
                    p.heal();
                }
            }
        }
    }

    /** The output of node i so far (its current or last process). */
    public String log(int i) throws IOException {
        RingKvProcess p = nodes.get(i).process;
        return p == null ? "" : p.output();
    }

    /** Copies the output of a node's exited process to target/cluster-logs and deletes the temporary file. */
    private void saveLog(Node n) {
        if (n.process == null || n.logSaved) {
            return;
        }
        try {
            Path dir = RingKvProcess.home().resolve("compat-tests/target/cluster-logs");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + "-" + n.id + "-" + n.starts + ".log"), n.process.output(), StandardCharsets.UTF_8);
            if (!n.process.isAlive()) {
                n.process.deleteOutput();
                n.logSaved = true;
            }
        } catch (IOException e) {
            System.err.println("could not save the log of " + n.id + ": " + e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        InterruptedException interrupted = null;
        for (Node n : nodes) {
            try {
                if (n.process != null) {
                    n.process.close();
                    saveLog(n);
                }
            } catch (InterruptedException e) {
                interrupted = e;
            }
        }
        for (FaultProxy[] row : proxies) {
            for (FaultProxy p : row) {
                if (p != null) {
                    try {
                        p.close();
                    } catch (InterruptedException e) {
                        interrupted = e;
                    }
                }
            }
        }
        for (Node n : nodes) {
            deleteTree(n.dataDir);
        }
        if (interrupted != null) {
            throw interrupted;
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("could not delete " + p + ": " + e);
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
