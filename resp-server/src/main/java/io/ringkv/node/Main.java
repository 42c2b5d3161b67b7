package io.ringkv.node;

import io.ringkv.common.Clock;
import io.ringkv.resp.config.ConfigParam;
import io.ringkv.resp.config.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code ringkv} command line: {@code server} (one node), {@code dev} (the local
 * development setup) and {@code status}. Every configuration key is also a flag, generated
 * from {@link ServerConfig#PARAMS} so the two can never drift apart.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        CommandSpec root = CommandSpec.create().name("ringkv");
        root.mixinStandardHelpOptions(true);
        root.version("RingKV " + io.ringkv.resp.command.ServerContext.RINGKV_VERSION);
        root.usageMessage().description("RingKV: a Dynamo-style distributed key-value store that speaks the Redis protocol.");
        root.addSubcommand("server", nodeCommand("server", "Run one node."));
        root.addSubcommand("dev", nodeCommand("dev", "Run a local 3-node cluster in one process on 127.0.0.1:7001-7003 (N=3, data under ./data/dev)."));
        CommandSpec status = CommandSpec.create().name("status");
        status.usageMessage().description("Print a node's state at a glance.");
        status.addOption(OptionSpec.builder("--host").paramLabel("HOST").type(String.class).defaultValue("127.0.0.1").description("Node address.").build());
        status.addOption(OptionSpec.builder("--port", "-p").paramLabel("PORT").type(Integer.class).defaultValue("7001").description("Node client port.").build());
        status.addOption(OptionSpec.builder("--password", "-a").paramLabel("PASSWORD").type(String.class).description("requirepass, if set.").build());
        root.addSubcommand("status", status);
        CommandLine cl = new CommandLine(root);
        cl.setExecutionStrategy(Main::execute);
        System.exit(cl.execute(args));
    }

    private static CommandSpec nodeCommand(String name, String description) {
        CommandSpec spec = CommandSpec.create().name(name);
        spec.mixinStandardHelpOptions(true);
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("--config", "-c").paramLabel("FILE").type(Path.class).description("YAML configuration file.").build());
        for (ConfigParam p : ServerConfig.PARAMS) {
            spec.addOption(OptionSpec.builder(p.flagName()).paramLabel(p.type().name()).type(String.class)
                    .description(p.description() + " (default: " + (p.defaultValue().isEmpty() ? "\"\"" : p.defaultValue()) + ")").build());
        }
        return spec;
    }

    private static int execute(ParseResult parsed) {
        if (CommandLine.printHelpIfRequested(parsed)) {
            return 0;
        }
        if (!parsed.hasSubcommand()) {
            parsed.commandSpec().commandLine().usage(System.out);
            return 2;
        }
        ParseResult sub = parsed.subcommand();
        if (CommandLine.printHelpIfRequested(sub)) {
            return 0;
        }
        try {
            return switch (sub.commandSpec().name()) {
                case "server" -> runNode(sub, false);
                case "dev" -> runNode(sub, true);
                case "status" -> status(sub);
                default -> 2;
            };
        } catch (IllegalArgumentException e) {
            System.err.println("ringkv: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("ringkv: " + e);
            return 1;
        }
    }

    /** Nodes `ringkv dev` runs. */
    private static final int DEV_NODES = 3;

    private static ServerConfig configFrom(ParseResult sub) throws java.io.IOException {
        ServerConfig config = new ServerConfig();
        Path file = sub.matchedOptionValue("--config", null);
        if (file != null) {
            ConfigLoader.load(file, config);
        }
        for (ConfigParam p : ServerConfig.PARAMS) {
            String v = sub.matchedOptionValue(p.flagName(), null);
            if (v != null) {
                config.setInitial(p.name(), v);
            }
        }
        return config;
    }

    private static int runNode(ParseResult sub, boolean dev) throws Exception {
        List<NodeBootstrap> nodes = new ArrayList<>();
        if (dev) {
            // Three nodes on consecutive ports sharing one seed list; flags apply to all three.
            ServerConfig base = configFrom(sub);
            int firstPort = base.isExplicit("port") ? base.port() : 7001;
            String dataDir = base.isExplicit("data-dir") ? base.dataDir() : "./data/dev";
            StringBuilder seeds = new StringBuilder();
            for (int i = 1; i <= DEV_NODES; i++) {
                seeds.append(i > 1 ? "," : "").append("n").append(i).append("@127.0.0.1:").append(firstPort + i - 1);
            }
            try {
                for (int i = 1; i <= DEV_NODES; i++) {
                    ServerConfig config = configFrom(sub);
                    config.setInitial("port", Integer.toString(firstPort + i - 1));
                    config.setInitial("data-dir", dataDir + "/n" + i);
                    config.setInitial("node-id", "n" + i);
                    config.setInitial("seeds", seeds.toString());
                    nodes.add(NodeBootstrap.start(config, Clock.system()));
                }
            } catch (Exception e) {
                nodes.forEach(NodeBootstrap::close);
                throw e;
            }
        } else {
            nodes.add(NodeBootstrap.start(configFrom(sub), Clock.system()));
        }
        Runnable closeAll = () -> nodes.forEach(NodeBootstrap::close);
        // SIGTERM and SIGINT are a requested, clean stop: close the nodes and exit with status 0
        // (the JVM's default handling would exit with 128+signal). The hook covers other exits.
        for (String signal : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> new Thread(closeAll, "ringkv-signal").start());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(closeAll, "ringkv-exit"));
        ServerConfig first = nodes.get(0).context().config();
        for (NodeBootstrap node : nodes) {
            String host = node.address().getAddress().getHostAddress();
            System.out.println("RingKV " + io.ringkv.resp.command.ServerContext.RINGKV_VERSION + (dev ? " (dev)" : "")
                    + ": node " + node.context().nodeId() + " listening on " + host + ":" + node.port()
                    + " (storage engine " + first.storageEngine() + (first.storageEngine().equals("memory") ? "" : ", data in " + node.context().config().dataDir()) + ")");
        }
        int port = nodes.get(0).port();
        // A wildcard bind is reached through loopback locally.
        String host = nodes.get(0).address().getAddress().isAnyLocalAddress() ? "127.0.0.1" : nodes.get(0).address().getAddress().getHostAddress();
        System.out.println("Connect with: redis-cli -h " + host + " -p " + port + (nodes.size() > 1 ? "   (any node serves any key)" : ""));
        System.out.println("Ring at a glance: bin/ringkv status -p " + port);
        System.out.println("Stop with Ctrl-C, SIGTERM, or: redis-cli -p " + port + " SHUTDOWN" + (nodes.size() > 1 ? " (stops that node)" : ""));
        System.out.flush();
        for (NodeBootstrap node : nodes) {
            node.awaitStop();
        }
        return 0;
    }

    private static int status(ParseResult sub) throws Exception {
        String host = sub.matchedOptionValue("--host", "127.0.0.1");
        int port = sub.matchedOptionValue("--port", 7001);
        String password = sub.matchedOptionValue("--password", null);
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            if (password != null) {
                out.write(resp("AUTH", password));
                String line = in.readLine();
                if (line == null || !line.startsWith("+")) {
                    System.err.println("ringkv status: authentication failed: " + line);
                    return 1;
                }
            }
            out.write(resp("INFO", "all"));
            out.flush();
            String infoText = readBulk(in);
            if (infoText == null) {
                return 1;
            }
            Map<String, String> info = new java.util.LinkedHashMap<>();
            for (String line : infoText.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("#")) {
                    info.putIfAbsent(line.substring(0, colon), line.substring(colon + 1));
                }
            }
            out.write(resp("RING", "STATUS"));
            out.flush();
            String ring = readBulk(in);
            List<String> rows = new ArrayList<>();
            rows.add(String.format("%-24s %s", "Node", info.getOrDefault("node_id", "?")));
            rows.add(String.format("%-24s %s", "Address", host + ":" + port));
            rows.add(String.format("%-24s %s", "Mode", info.getOrDefault("mode", "?")));
            rows.add(String.format("%-24s %s of %s up", "Members", info.getOrDefault("members_up", "?"), info.getOrDefault("members", "?")));
            rows.add(String.format("%-24s %s owned, %s replicated, of %s", "Partitions", info.getOrDefault("partitions_owned", "?"),
                    info.getOrDefault("partitions_replicated", "?"), info.getOrDefault("partitions", "?")));
            rows.add(String.format("%-24s N=%s read=%s write=%s", "Replication", info.getOrDefault("replication_factor", "?"),
                    info.getOrDefault("read_consistency", "?"), info.getOrDefault("write_consistency", "?")));
            rows.add(String.format("%-24s %s", "Keys on this node", info.getOrDefault("db0", "keys=0")));
            rows.add(String.format("%-24s read repairs %s, timeouts %s, unavailable %s", "Health", info.getOrDefault("read_repairs", "?"),
                    info.getOrDefault("quorum_timeouts", "?"), info.getOrDefault("unavailable", "?")));
            rows.add(String.format("%-24s %s", "Storage engine", info.getOrDefault("storage_engine", "?")));
            rows.add(String.format("%-24s %s", "Clients", info.getOrDefault("connected_clients", "?")));
            rows.add(String.format("%-24s %s s", "Uptime", info.getOrDefault("uptime_in_seconds", "?")));
            if (ring != null) {
                rows.add("");
                rows.add(ring.stripTrailing());
            }
            rows.forEach(System.out::println);
            return 0;
        } catch (java.io.IOException e) {
            System.err.println("ringkv status: cannot reach " + host + ":" + port + ": " + e.getMessage());
            return 1;
        }
    }

    /** Reads one bulk-string reply (verbatim strings arrive as bulk in RESP2); null on error. */
    private static String readBulk(BufferedReader in) throws java.io.IOException {
        String header = in.readLine();
        if (header == null || !header.startsWith("$")) {
            System.err.println("ringkv status: unexpected reply: " + header);
            return null;
        }
        int len = Integer.parseInt(header.substring(1));
        char[] body = new char[len];
        int read = 0;
        while (read < len) {
            int n = in.read(body, read, len - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        in.readLine();
        return new String(body, 0, read);
    }

    private static byte[] resp(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
