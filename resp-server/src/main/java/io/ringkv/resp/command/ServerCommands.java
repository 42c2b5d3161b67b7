package io.ringkv.resp.command;

import static io.ringkv.resp.command.CommandFlag.ADMIN;
import static io.ringkv.resp.command.CommandFlag.LOADING;
import static io.ringkv.resp.command.CommandFlag.NOSCRIPT;
import static io.ringkv.resp.command.CommandFlag.STALE;
import static io.ringkv.resp.command.CommandSpec.command;

import io.ringkv.common.GlobMatcher;
import io.ringkv.resp.config.ConfigParam;
import io.ringkv.resp.config.ServerConfig;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Server and tooling commands: INFO, CONFIG, COMMAND, TIME, SHUTDOWN, and the not-yet-supported. */
public final class ServerCommands {
    private ServerCommands() {}

    private static final List<String> DEFAULT_INFO_SECTIONS =
            List.of("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace", "ring");

    public static void register(CommandTable t) {
        t.register(command("info", -1).args("[section:string...]").flags(LOADING, STALE).acl("@slow @dangerous")
                .doc("server", "1.0.0", "O(1)", "Returns information and statistics about the server.").handler(ServerCommands::info).build());
        t.register(command("time", 1).flags(LOADING, STALE, CommandFlag.FAST).acl("@fast")
                .doc("server", "2.6.0", "O(1)", "Returns the server time.").handler(ServerCommands::time).build());
        t.register(command("lastsave", 1).flags(LOADING, STALE, CommandFlag.FAST).acl("@admin @fast @dangerous")
                .doc("server", "1.0.0", "O(1)", "Returns the Unix timestamp of the last successful save to disk.")
                .handler((c, r, o) -> o.integer(c.server().startMillis() / 1000)).build());
        t.register(command("shutdown", -1).args("[save-selector:NOSAVE|SAVE] [NOW] [FORCE] [ABORT]").flags(ADMIN, NOSCRIPT, LOADING, STALE).acl("@admin @slow @dangerous")
                .doc("server", "1.0.0", "O(N) when saving, where N is the total number of keys in all databases",
                        "Synchronously saves the database(s) to disk and shuts down the server.").handler(ServerCommands::shutdown).build());
        t.register(command("config", -2).acl("@slow")
                .doc("server", "2.0.0", "Depends on subcommand.", "A container for server configuration commands.")
                .sub(command("get", -3).args("parameter:pattern...").flags(ADMIN, NOSCRIPT, LOADING, STALE).doc("server", "2.0.0", "O(N) when N is the number of configuration parameters provided",
                        "Returns the effective values of configuration parameters.").handler(ServerCommands::configGet))
                .sub(command("set", -4).args("data:(parameter:string value:string)...").flags(ADMIN, NOSCRIPT, LOADING, STALE).doc("server", "2.0.0", "O(N) when N is the number of configuration parameters provided",
                        "Sets configuration parameters in-flight.").handler(ServerCommands::configSet))
                .sub(command("resetstat", 2).flags(ADMIN, NOSCRIPT, LOADING, STALE).doc("server", "2.0.0", "O(1)", "Resets the server's statistics.")
                        .handler((c, r, o) -> o.ok()))
                .sub(command("rewrite", 2).flags(ADMIN, NOSCRIPT, LOADING, STALE).doc("server", "2.8.0", "O(1)",
                        "Persists the effective configuration to file.").handler((c, r, o) -> o.error(RedisErrors.CONFIG_REWRITE_NO_FILE)))
                .sub(command("help", 2).flags(LOADING, STALE).doc("server", "5.0.0", "O(1)", "Returns helpful text about the different subcommands.")
                        .handler((c, r, o) -> help(o, "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                                "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                                "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
                                "RESETSTAT", "    Reset statistics reported by the INFO command.",
                                "REWRITE", "    Not supported: RingKV does not rewrite its YAML file.",
                                "HELP", "    Print this help.")))
                .build());
        t.register(command("command", -1).flags(LOADING, STALE).acl("@slow @connection")
                .doc("server", "2.8.13", "O(N) where N is the total number of Redis commands", "Returns detailed information about all commands.")
                .handler(ServerCommands::commandAll)
                .sub(command("count", 2).flags(LOADING, STALE).doc("server", "2.8.13", "O(1)", "Returns a count of commands.")
                        .handler((c, r, o) -> o.integer(c.server().commands().size())))
                .sub(command("info", -2).args("[command-name:string...]").flags(LOADING, STALE).doc("server", "2.8.13", "O(N) where N is the number of commands to look up",
                        "Returns information about one, multiple or all commands.").handler(ServerCommands::commandInfo))
                .sub(command("docs", -2).args("[command-name:string...]").flags(LOADING, STALE).doc("server", "7.0.0", "O(N) where N is the number of commands to look up",
                        "Returns documentary information about one, multiple or all commands.").handler(ServerCommands::commandDocs))
                .sub(command("list", -2).flags(LOADING, STALE).doc("server", "7.0.0", "O(N) where N is the total number of Redis commands",
                        "Returns a list of command names.").handler(ServerCommands::commandList))
                .sub(command("getkeys", -3).args("command:string [arg:string...]").flags(LOADING, STALE).doc("server", "2.8.13", "O(N) where N is the number of arguments to the command",
                        "Extracts the key names from an arbitrary command.").handler(ServerCommands::commandGetKeys))
                .sub(command("help", 2).flags(LOADING, STALE).doc("server", "5.0.0", "O(1)", "Returns helpful text about the different subcommands.")
                        .handler((c, r, o) -> help(o, "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                                "(no subcommand)", "    Return details about all commands.",
                                "COUNT", "    Return the total number of commands in this server.",
                                "LIST", "    Return a list of all commands in this server.",
                                "INFO [<command-name> ...]", "    Return details about multiple commands.",
                                "DOCS [<command-name> ...]", "    Return documentation details about multiple commands.",
                                "GETKEYS <full-command>", "    Return the keys from a full command.",
                                "HELP", "    Print this help.")))
                .build());
        String tx = "transactions are planned for a later release";
        String scripts = "server-side scripting is planned for a later release";
        String pubsub = "publish/subscribe is planned for a later release";
        String repl = "RingKV replicates with its own ring, see RING commands";
        for (String[] u : new String[][] {{"multi", tx}, {"exec", tx}, {"discard", tx}, {"watch", tx}, {"unwatch", tx},
                {"eval", scripts}, {"evalsha", scripts}, {"eval_ro", scripts}, {"evalsha_ro", scripts}, {"script", scripts},
                {"function", scripts}, {"fcall", scripts}, {"fcall_ro", scripts},
                {"subscribe", pubsub}, {"unsubscribe", pubsub}, {"psubscribe", pubsub}, {"punsubscribe", pubsub},
                {"ssubscribe", pubsub}, {"sunsubscribe", pubsub}, {"publish", pubsub}, {"spublish", pubsub}, {"pubsub", pubsub},
                {"replicaof", repl}, {"slaveof", repl}, {"sync", repl}, {"psync", repl}, {"wait", repl}, {"monitor", "MONITOR is planned for a later release"}}) {
            String upper = u[0].toUpperCase(Locale.ROOT);
            String why = u[1];
            t.register(command(u[0], -1).acl("@slow").doc("unsupported", "-", "-", "Not supported by RingKV yet: " + why + ".")
                    .handler((c, r, o) -> o.error(RedisErrors.notSupported(upper, why))).build());
        }
    }

    static void help(RespWriter out, String... lines) {
        out.arrayHeader(lines.length);
        for (String l : lines) {
            out.simple(l);
        }
    }

    private static void time(CommandContext c, Request r, RespWriter out) {
        long micros = c.server().clock().currentTimeMicros();
        out.arrayHeader(2);
        out.bulk(Long.toString(micros / 1_000_000));
        out.bulk(Long.toString(micros % 1_000_000));
    }

    private static void shutdown(CommandContext c, Request r, RespWriter out) {
        // Parse every flag before acting, as Redis does: "SHUTDOWN NOSAVE SAVE" or a flag next
        // to ABORT is a syntax error, never a shutdown.
        boolean abort = false;
        boolean save = false;
        boolean nosave = false;
        boolean other = false;
        for (int j = 1; j < r.argc(); j++) {
            if (r.argIs(j, "abort")) {
                abort = true;
            } else if (r.argIs(j, "nosave")) {
                nosave = true;
            } else if (r.argIs(j, "save")) {
                save = true;
            } else if (r.argIs(j, "now") || r.argIs(j, "force")) {
                other = true;
            } else {
                out.error(RedisErrors.SYNTAX);
                return;
            }
        }
        if ((abort && (save || nosave || other)) || (save && nosave)) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        if (abort) {
            out.error(RedisErrors.NO_SHUTDOWN_IN_PROGRESS);
            return;
        }
        // Like Redis: no reply on success; the connection simply closes as the node stops.
        c.closeAfterReply();
        c.server().requestShutdown();
    }

    // ---- INFO ----

    private static void info(CommandContext c, Request r, RespWriter out) {
        List<String> sections = new ArrayList<>();
        boolean all = false;
        for (int i = 1; i < r.argc(); i++) {
            String s = r.argString(i).toLowerCase(Locale.ROOT);
            if (s.equals("all") || s.equals("everything")) {
                all = true;
            } else if (s.equals("default")) {
                sections.addAll(DEFAULT_INFO_SECTIONS);
            } else {
                sections.add(s);
            }
        }
        if (r.argc() == 1 || all) {
            sections = DEFAULT_INFO_SECTIONS;
        }
        StringBuilder sb = new StringBuilder();
        for (String s : DEFAULT_INFO_SECTIONS) {
            if (!sections.contains(s)) {
                continue;
            }
            Map<String, String> fields = section(c, s);
            if (sb.length() > 0) {
                sb.append("\r\n");
            }
            sb.append("# ").append(Character.toUpperCase(s.charAt(0))).append(s.substring(1)).append("\r\n");
            for (Map.Entry<String, String> e : fields.entrySet()) {
                sb.append(e.getKey()).append(':').append(e.getValue()).append("\r\n");
            }
        }
        out.verbatim(sb.toString());
    }

    private static Map<String, String> section(CommandContext c, String name) {
        ServerContext s = c.server();
        Map<String, String> m = new LinkedHashMap<>();
        long now = s.clock().currentTimeMillis();
        Runtime rt = Runtime.getRuntime();
        switch (name) {
            case "server" -> {
                m.put("redis_version", ServerContext.REDIS_VERSION);
                m.put("ringkv_version", ServerContext.RINGKV_VERSION);
                m.put("redis_git_sha1", "00000000");
                m.put("redis_git_dirty", "0");
                m.put("redis_mode", "standalone");
                m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
                m.put("arch_bits", System.getProperty("sun.arch.data.model", "64"));
                m.put("executable", "ringkv");
                m.put("java_version", System.getProperty("java.version"));
                m.put("process_id", Long.toString(ProcessHandle.current().pid()));
                m.put("run_id", s.runId());
                m.put("node_id", s.nodeId());
                m.put("tcp_port", Integer.toString(s.boundPort()));
                m.put("server_time_usec", Long.toString(now * 1000));
                m.put("uptime_in_seconds", Long.toString((now - s.startMillis()) / 1000));
                m.put("uptime_in_days", Long.toString((now - s.startMillis()) / 86_400_000L));
                m.put("hz", s.config().get("hz"));
                m.put("configured_hz", s.config().get("hz"));
            }
            case "clients" -> {
                m.put("connected_clients", Integer.toString(s.clientCount()));
                m.put("maxclients", s.config().get("maxclients"));
                m.put("blocked_clients", "0");
                m.put("tracking_clients", "0");
            }
            case "memory" -> {
                long used = rt.totalMemory() - rt.freeMemory();
                m.put("used_memory", Long.toString(used));
                m.put("used_memory_human", human(used));
                m.put("used_memory_peak", Long.toString(rt.totalMemory()));
                m.put("total_system_memory", Long.toString(rt.maxMemory()));
                m.put("maxmemory", "0");
                m.put("maxmemory_policy", "noeviction");
                m.put("mem_allocator", "jvm");
            }
            case "persistence" -> {
                Map<String, String> st = s.kv().storageStats();
                boolean durable = !"memory".equals(st.get("engine"));
                m.put("loading", "0");
                m.put("rdb_changes_since_last_save", "0");
                m.put("rdb_bgsave_in_progress", "0");
                m.put("rdb_last_save_time", Long.toString(s.startMillis() / 1000));
                m.put("aof_enabled", durable ? "1" : "0");
                m.put("aof_rewrite_in_progress", "0");
                m.put("appendfsync", s.config().get("appendfsync"));
                for (Map.Entry<String, String> e : st.entrySet()) {
                    m.put(e.getKey().equals("engine") ? "storage_engine" : e.getKey(), e.getValue());
                }
            }
            case "stats" -> {
                m.put("total_connections_received", Long.toString(s.connectionsReceived().sum()));
                m.put("total_commands_processed", Long.toString(s.commandsProcessed().sum()));
                m.put("rejected_connections", Long.toString(s.rejectedConnections().sum()));
                m.put("total_error_replies", Long.toString(s.errorReplies().sum()));
                m.put("protocol_errors", Long.toString(s.protocolErrors().sum()));
                for (Map.Entry<String, Long> e : s.kv().counters().entrySet()) {
                    m.put(e.getKey(), Long.toString(e.getValue()));
                }
                m.put("evicted_keys", "0");
            }
            case "replication" -> {
                m.put("role", "master");
                m.put("connected_slaves", "0");
                m.put("master_repl_offset", "0");
            }
            case "cpu" -> {
                double cpu = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
                if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                    cpu = os.getProcessCpuTime() / 1e9;
                }
                m.put("used_cpu_sys", String.format(Locale.ROOT, "%.6f", 0.0));
                m.put("used_cpu_user", String.format(Locale.ROOT, "%.6f", cpu));
            }
            case "keyspace" -> {
                // This node's replica, as each Redis Cluster node reports its own keys.
                long keys = s.kv().localSize();
                if (keys > 0) {
                    m.put("db0", "keys=" + keys + ",expires=" + s.kv().keysWithExpiry() + ",avg_ttl=0");
                }
            }
            case "ring" -> RingCommands.info(s, m);
            default -> {}
        }
        return m;
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        String[] units = {"K", "M", "G", "T"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f%s", v, units[u]);
    }

    // ---- CONFIG ----

    /**
     * CONFIG GET as Redis 7 answers it: a name without glob characters is looked up directly
     * and echoed as the client spelled it; patterns match case-insensitively and answer the
     * canonical names. A parameter is reported once, however many arguments match it.
     */
    private static void configGet(CommandContext c, Request r, RespWriter out) {
        Map<String, String[]> found = new LinkedHashMap<>();
        for (int i = 2; i < r.argc(); i++) {
            String arg = r.argString(i);
            String lower = arg.toLowerCase(Locale.ROOT);
            boolean glob = lower.indexOf('*') >= 0 || lower.indexOf('?') >= 0 || lower.indexOf('[') >= 0;
            if (!glob) {
                if (ServerConfig.param(lower) != null && !found.containsKey(lower)) {
                    found.put(lower, new String[] {arg, c.server().config().get(lower)});
                }
                continue;
            }
            byte[] pat = lower.getBytes(StandardCharsets.UTF_8);
            for (ConfigParam p : c.server().config().params()) {
                if (!found.containsKey(p.name()) && GlobMatcher.matches(pat, p.name().getBytes(StandardCharsets.UTF_8), true)) {
                    found.put(p.name(), new String[] {p.name(), c.server().config().get(p.name())});
                }
            }
        }
        out.mapHeader(found.size());
        for (String[] e : found.values()) {
            out.bulk(e[0]);
            out.bulk(e[1]);
        }
    }

    private static void configSet(CommandContext c, Request r, RespWriter out) {
        // Redis answers an unpaired parameter with a syntax error (arity already checked).
        if ((r.argc() - 2) % 2 != 0) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        // Validate everything first so a multi-parameter CONFIG SET is all or nothing.
        Map<String, String> pending = new LinkedHashMap<>();
        for (int i = 2; i < r.argc(); i += 2) {
            String name = r.argString(i).toLowerCase(Locale.ROOT);
            String value = r.argString(i + 1);
            ConfigParam p = ServerConfig.param(name);
            if (p == null) {
                out.error(RedisErrors.unknownConfigParameter(r.argString(i)));
                return;
            }
            if (!p.mutable()) {
                out.error(RedisErrors.configSetFailed(name, "can't set immutable config"));
                return;
            }
            if (pending.containsKey(name)) {
                out.error(RedisErrors.configSetFailed(name, "duplicate parameter"));
                return;
            }
            try {
                p.normalise(value);
            } catch (IllegalArgumentException e) {
                out.error(RedisErrors.configSetFailed(name, e.getMessage()));
                return;
            }
            pending.put(name, value);
        }
        for (Map.Entry<String, String> e : pending.entrySet()) {
            c.server().config().setAtRuntime(e.getKey(), e.getValue());
        }
        out.ok();
    }

    // ---- COMMAND ----

    private static void commandAll(CommandContext c, Request r, RespWriter out) {
        out.arrayHeader(c.server().commands().size());
        for (CommandSpec s : c.server().commands().all()) {
            writeInfo(out, s);
        }
    }

    private static void writeInfo(RespWriter out, CommandSpec s) {
        out.arrayHeader(10);
        out.bulk(s.fullName());
        out.integer(s.arity());
        out.setHeader(s.flags().size());
        for (CommandFlag f : s.flags()) {
            out.simple(f.redisName());
        }
        out.integer(s.firstKey());
        out.integer(s.lastKey());
        out.integer(s.step());
        String[] acl = s.aclCategories().isBlank() ? new String[0] : s.aclCategories().trim().split("\\s+");
        out.setHeader(acl.length);
        for (String a : acl) {
            out.simple(a);
        }
        out.setHeader(0);
        out.arrayHeader(0);
        out.arrayHeader(s.subcommands().size());
        for (CommandSpec sub : s.subcommands().values()) {
            writeInfo(out, sub);
        }
    }

    private static void commandInfo(CommandContext c, Request r, RespWriter out) {
        if (r.argc() == 2) {
            commandAll(c, r, out);
            return;
        }
        out.arrayHeader(r.argc() - 2);
        for (int i = 2; i < r.argc(); i++) {
            CommandSpec s = find(c, r.argString(i));
            if (s == null) {
                out.nullArray();
            } else {
                writeInfo(out, s);
            }
        }
    }

    private static CommandSpec find(CommandContext c, String name) {
        String l = name.toLowerCase(Locale.ROOT);
        int bar = l.indexOf('|');
        if (bar >= 0) {
            CommandSpec parent = c.server().commands().lookup(l.substring(0, bar));
            return parent == null ? null : parent.subcommands().get(l.substring(bar + 1));
        }
        return c.server().commands().lookup(l);
    }

    private static void writeDocs(RespWriter out, CommandSpec s) {
        int fields = 4 + (s.arguments().isEmpty() ? 0 : 1) + (s.isContainer() ? 1 : 0);
        out.mapHeader(fields);
        out.bulk("summary");
        out.bulk(s.summary());
        out.bulk("since");
        out.bulk(s.since());
        out.bulk("group");
        out.bulk(s.group());
        out.bulk("complexity");
        out.bulk(s.complexity());
        if (!s.arguments().isEmpty()) {
            out.bulk("arguments");
            writeArguments(out, s.arguments(), new int[1]);
        }
        if (s.isContainer()) {
            out.bulk("subcommands");
            out.mapHeader(s.subcommands().size());
            for (CommandSpec sub : s.subcommands().values()) {
                out.bulk(sub.fullName());
                writeDocs(out, sub);
            }
        }
    }

    /** Argument maps as Redis 7 sends them: name, type, key_spec_index, token, flags, arguments. */
    private static void writeArguments(RespWriter out, List<ArgumentDoc> args, int[] keySpecIndex) {
        out.arrayHeader(args.size());
        for (ArgumentDoc a : args) {
            boolean isKey = a.type().equals("key");
            List<String> flags = new ArrayList<>();
            if (a.optional()) {
                flags.add("optional");
            }
            if (a.multiple()) {
                flags.add("multiple");
            }
            int fields = 2 + (isKey ? 1 : 0) + (a.token() != null ? 1 : 0) + (flags.isEmpty() ? 0 : 1) + (a.children().isEmpty() ? 0 : 1);
            out.mapHeader(fields);
            out.bulk("name");
            out.bulk(a.name());
            out.bulk("type");
            out.bulk(a.type());
            if (isKey) {
                out.bulk("key_spec_index");
                out.integer(keySpecIndex[0]++);
            }
            if (a.token() != null) {
                out.bulk("token");
                out.bulk(a.token());
            }
            if (!flags.isEmpty()) {
                out.bulk("flags");
                out.setHeader(flags.size());
                for (String f : flags) {
                    out.simple(f);
                }
            }
            if (!a.children().isEmpty()) {
                out.bulk("arguments");
                writeArguments(out, a.children(), keySpecIndex);
            }
        }
    }

    private static void commandDocs(CommandContext c, Request r, RespWriter out) {
        List<CommandSpec> specs = new ArrayList<>();
        if (r.argc() == 2) {
            specs.addAll(c.server().commands().all());
        } else {
            for (int i = 2; i < r.argc(); i++) {
                CommandSpec s = find(c, r.argString(i));
                if (s != null) {
                    specs.add(s);
                }
            }
        }
        out.mapHeader(specs.size());
        for (CommandSpec s : specs) {
            out.bulk(s.fullName());
            writeDocs(out, s);
        }
    }

    private static void commandList(CommandContext c, Request r, RespWriter out) {
        String pattern = null;
        if (r.argc() > 2) {
            if (r.argc() == 5 && r.argIs(2, "filterby") && r.argIs(3, "pattern")) {
                pattern = r.argString(4);
            } else if (r.argc() == 5 && r.argIs(2, "filterby") && (r.argIs(3, "aclcat") || r.argIs(3, "module"))) {
                pattern = null;
            } else {
                out.error(RedisErrors.SYNTAX);
                return;
            }
        }
        List<String> names = new ArrayList<>();
        for (CommandSpec s : c.server().commands().all()) {
            if (r.argc() == 5 && r.argIs(3, "aclcat")) {
                if (!s.aclCategories().contains("@" + r.argString(4).toLowerCase(Locale.ROOT))) {
                    continue;
                }
            } else if (r.argc() == 5 && r.argIs(3, "module")) {
                continue;
            }
            if (pattern == null || GlobMatcher.matches(pattern.getBytes(StandardCharsets.UTF_8), s.name().getBytes(StandardCharsets.UTF_8), true)) {
                names.add(s.name());
            }
        }
        out.arrayHeader(names.size());
        for (String n : names) {
            out.bulk(n);
        }
    }

    private static void commandGetKeys(CommandContext c, Request r, RespWriter out) {
        CommandSpec s = find(c, r.argString(2));
        if (s == null) {
            out.error(RedisErrors.INVALID_COMMAND);
            return;
        }
        int argc = r.argc() - 2;
        if (!s.arityAccepts(argc)) {
            out.error(RedisErrors.INVALID_COMMAND_ARITY);
            return;
        }
        if (s.firstKey() == 0) {
            out.error(RedisErrors.COMMAND_HAS_NO_KEYS);
            return;
        }
        int last = s.lastKey() < 0 ? argc + s.lastKey() : s.lastKey();
        List<byte[]> keys = new ArrayList<>();
        for (int i = s.firstKey(); i <= last; i += s.step()) {
            keys.add(r.arg(2 + i));
        }
        out.arrayHeader(keys.size());
        for (byte[] k : keys) {
            out.bulk(k);
        }
    }
}
