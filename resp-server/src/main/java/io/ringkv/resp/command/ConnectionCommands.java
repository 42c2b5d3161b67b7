package io.ringkv.resp.command;

import static io.ringkv.resp.command.CommandFlag.ADMIN;
import static io.ringkv.resp.command.CommandFlag.FAST;
import static io.ringkv.resp.command.CommandFlag.LOADING;
import static io.ringkv.resp.command.CommandFlag.NOSCRIPT;
import static io.ringkv.resp.command.CommandFlag.NO_AUTH;
import static io.ringkv.resp.command.CommandFlag.STALE;
import static io.ringkv.resp.command.CommandSpec.command;

import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/** Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET and CLIENT. */
public final class ConnectionCommands {
    private ConnectionCommands() {}

    public static void register(CommandTable t) {
        t.register(command("ping", -1).args("[message:string]").flags(FAST, STALE, LOADING).acl("@fast @connection")
                .doc("connection", "1.0.0", "O(1)", "Returns the server's liveliness response.").handler(ConnectionCommands::ping).build());
        t.register(command("echo", 2).args("message:string").flags(FAST, STALE, LOADING).acl("@fast @connection")
                .doc("connection", "1.0.0", "O(1)", "Returns the given string.").handler((c, r, o) -> o.bulk(r.arg(1))).build());
        t.register(command("hello", -1).args("[arguments:(protover:integer [AUTH username:string password:string] [SETNAME clientname:string])]").flags(NOSCRIPT, LOADING, STALE, FAST, NO_AUTH).acl("@fast @connection")
                .doc("connection", "6.0.0", "O(1)", "Handshakes with the Redis server.").handler(ConnectionCommands::hello).build());
        t.register(command("auth", -2).args("[username:string] password:string").flags(NOSCRIPT, LOADING, STALE, FAST, NO_AUTH).acl("@fast @connection")
                .doc("connection", "1.0.0", "O(N) where N is the number of passwords defined for the user",
                        "Authenticates the connection.").handler(ConnectionCommands::auth).build());
        t.register(command("select", 2).args("index:integer").flags(LOADING, STALE, FAST).acl("@fast @connection")
                .doc("connection", "1.0.0", "O(1)", "Changes the selected database (only 0 exists).").handler(ConnectionCommands::select).build());
        t.register(command("quit", -1).flags(NOSCRIPT, LOADING, STALE, FAST, NO_AUTH).acl("@fast @connection")
                .doc("connection", "1.0.0", "O(1)", "Closes the connection.").handler((c, r, o) -> {
                    o.ok();
                    c.closeAfterReply();
                }).build());
        t.register(command("reset", 1).flags(NOSCRIPT, LOADING, STALE, FAST, NO_AUTH).acl("@fast @connection")
                .doc("connection", "6.2.0", "O(1)", "Resets the connection.").handler(ConnectionCommands::reset).build());
        t.register(command("client", -2).flags().acl("@slow")
                .doc("connection", "2.4.0", "Depends on subcommand.", "A container for client connection commands.")
                .sub(command("id", 2).flags(NOSCRIPT, LOADING, STALE).doc("connection", "5.0.0", "O(1)", "Returns the unique client ID of the connection.")
                        .handler((c, r, o) -> o.integer(c.id())))
                .sub(command("getname", 2).flags(NOSCRIPT, LOADING, STALE).doc("connection", "2.6.9", "O(1)", "Returns the name of the connection.")
                        .handler((c, r, o) -> {
                            if (c.name().isEmpty()) {
                                o.nullBulk();
                            } else {
                                o.bulk(c.name());
                            }
                        }))
                .sub(command("setname", 3).args("connection-name:string").flags(NOSCRIPT, LOADING, STALE).doc("connection", "2.6.9", "O(1)", "Sets the connection name.")
                        .handler(ConnectionCommands::clientSetName))
                .sub(command("setinfo", 4).flags(NOSCRIPT, LOADING, STALE).doc("connection", "7.2.0", "O(1)", "Sets information specific to the client or connection.")
                        .handler(ConnectionCommands::clientSetInfo))
                .sub(command("info", 2).flags(NOSCRIPT, LOADING, STALE).doc("connection", "6.2.0", "O(1)", "Returns information about the connection.")
                        .handler((c, r, o) -> o.verbatim(clientLine(c) + "\n")))
                .sub(command("list", -2).args("[TYPE client-type:string] [ID client-id:integer...]").flags(ADMIN, NOSCRIPT, LOADING, STALE).doc("connection", "2.4.0", "O(N) where N is the number of client connections",
                        "Lists open connections.").handler(ConnectionCommands::clientList))
                .sub(command("kill", -3).args("[ip-port:string] [ID client-id:integer] [ADDR ip-port:string] [LADDR ip-port:string] [SKIPME yes-no:string]").flags(ADMIN, NOSCRIPT, LOADING, STALE).doc("connection", "2.4.0", "O(N) where N is the number of client connections",
                        "Terminates open connections.").handler(ConnectionCommands::clientKill))
                .sub(command("no-evict", 3).flags(ADMIN, NOSCRIPT, LOADING, STALE).doc("connection", "7.0.0", "O(1)", "Sets the client eviction mode of the connection.")
                        .handler((c, r, o) -> onOff(r, o, c::noEvict)))
                .sub(command("no-touch", 3).flags(NOSCRIPT, LOADING, STALE).doc("connection", "7.2.0", "O(1)",
                        "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.").handler((c, r, o) -> onOff(r, o, c::noTouch)))
                .sub(command("help", 2).flags(LOADING, STALE).doc("connection", "5.0.0", "O(1)", "Returns helpful text about the different subcommands.")
                        .handler(ConnectionCommands::clientHelp))
                .build());
    }

    private static void ping(CommandContext c, Request r, RespWriter out) {
        if (r.argc() > 2) {
            out.error(RedisErrors.wrongArity("ping"));
        } else if (r.argc() == 2) {
            out.bulk(r.arg(1));
        } else {
            out.simple("PONG");
        }
    }

    /** Checks a password against requirepass in constant time. */
    static boolean passwordMatches(CommandContext c, byte[] password) {
        byte[] expected = c.server().config().requirePass().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, password);
    }

    /** Returns null on success, or the error to send. */
    private static String authenticate(CommandContext c, byte[] user, byte[] password) {
        boolean noPassword = c.server().config().requirePass().isEmpty();
        boolean userOk = new String(user, StandardCharsets.UTF_8).equals("default");
        if (userOk && (noPassword || passwordMatches(c, password))) {
            c.authenticated(true);
            return null;
        }
        return RedisErrors.WRONGPASS;
    }

    private static void auth(CommandContext c, Request r, RespWriter out) {
        if (r.argc() > 3) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        if (r.argc() == 2 && c.server().config().requirePass().isEmpty()) {
            out.error(RedisErrors.AUTH_WITHOUT_PASSWORD);
            return;
        }
        byte[] user = r.argc() == 2 ? "default".getBytes(StandardCharsets.UTF_8) : r.arg(1);
        String err = authenticate(c, user, r.arg(r.argc() - 1));
        if (err != null) {
            out.error(err);
        } else {
            out.ok();
        }
    }

    private static void hello(CommandContext c, Request r, RespWriter out) {
        int next = 1;
        long ver = 0;
        if (r.argc() >= 2) {
            try {
                ver = Args.parseLong(r.arg(next++));
            } catch (Args.NotANumber e) {
                out.error(RedisErrors.HELLO_PROTO_NOT_INTEGER);
                return;
            }
            if (ver < 2 || ver > 3) {
                out.error(RedisErrors.NOPROTO);
                return;
            }
        }
        byte[] user = null;
        byte[] pass = null;
        String name = null;
        for (int j = next; j < r.argc(); j++) {
            int more = r.argc() - 1 - j;
            if (r.argIs(j, "auth") && more >= 2) {
                user = r.arg(j + 1);
                pass = r.arg(j + 2);
                j += 2;
            } else if (r.argIs(j, "setname") && more >= 1) {
                name = r.argString(j + 1);
                j++;
            } else {
                out.error(RedisErrors.helloSyntax(r.argString(j)));
                return;
            }
        }
        if (user != null) {
            String err = authenticate(c, user, pass);
            if (err != null) {
                out.error(err);
                return;
            }
        }
        if (!c.authenticated()) {
            out.error(RedisErrors.HELLO_NOAUTH);
            return;
        }
        if (name != null) {
            if (!validName(name)) {
                out.error(RedisErrors.CLIENT_NAME_INVALID);
                return;
            }
            c.name(name);
        }
        if (ver != 0) {
            c.protocol((int) ver);
            out.protocol((int) ver);
        }
        out.mapHeader(7);
        out.bulk("server");
        out.bulk("redis");
        out.bulk("version");
        out.bulk(ServerContext.REDIS_VERSION);
        out.bulk("proto");
        out.integer(c.protocol());
        out.bulk("id");
        out.integer(c.id());
        out.bulk("mode");
        out.bulk("standalone");
        out.bulk("role");
        out.bulk("master");
        out.bulk("modules");
        out.arrayHeader(0);
    }

    private static void select(CommandContext c, Request r, RespWriter out) {
        // Redis's getIntFromObjectOrReply: not an integer, or an integer outside C's int range.
        long db;
        try {
            db = Args.parseLong(r.arg(1));
        } catch (Args.NotANumber e) {
            out.error(RedisErrors.NOT_INTEGER);
            return;
        }
        if (db < Integer.MIN_VALUE || db > Integer.MAX_VALUE) {
            out.error(RedisErrors.outOfRange(Integer.MIN_VALUE, Integer.MAX_VALUE));
            return;
        }
        if (db != 0) {
            out.error(RedisErrors.SELECT_NOT_ALLOWED);
            return;
        }
        out.ok();
    }

    private static void reset(CommandContext c, Request r, RespWriter out) {
        c.protocol(2);
        out.protocol(2);
        c.name("");
        c.noEvict(false);
        c.noTouch(false);
        c.authenticated(false);
        out.simple("RESET");
    }

    static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch < '!' || ch > '~') {
                return false;
            }
        }
        return true;
    }

    private static void clientSetName(CommandContext c, Request r, RespWriter out) {
        String name = r.argString(2);
        if (!validName(name)) {
            out.error(RedisErrors.CLIENT_NAME_INVALID);
            return;
        }
        c.name(name);
        out.ok();
    }

    private static void clientSetInfo(CommandContext c, Request r, RespWriter out) {
        String value = r.argString(3);
        boolean isName = r.argIs(2, "lib-name");
        if (!isName && !r.argIs(2, "lib-ver")) {
            out.error(RedisErrors.clientSetInfoUnknownOption(r.arg(2)));
            return;
        }
        if (!validName(value)) {
            out.error(RedisErrors.clientSetInfoInvalid(isName ? "lib-name" : "lib-ver"));
            return;
        }
        if (isName) {
            c.libName(value);
        } else {
            c.libVer(value);
        }
        out.ok();
    }

    private static void onOff(Request r, RespWriter out, java.util.function.Consumer<Boolean> set) {
        if (r.argIs(2, "on")) {
            set.accept(true);
        } else if (r.argIs(2, "off")) {
            set.accept(false);
        } else {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        out.ok();
    }

    /** One line of CLIENT LIST, in Redis 7.2's field order. */
    static String clientLine(CommandContext c) {
        long now = c.server().clock().currentTimeMillis();
        return "id=" + c.id() + " addr=" + c.addr() + " laddr=" + c.laddr() + " fd=" + (c.id() + 7) + " name=" + c.name()
                + " age=" + (now - c.createdMillis()) / 1000 + " idle=" + (now - c.lastInteractionMillis()) / 1000
                + " flags=" + c.flags() + " db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0"
                + " rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=" + c.lastCommand()
                + " user=default redir=-1 resp=" + c.protocol() + " lib-name=" + c.libName() + " lib-ver=" + c.libVer();
    }

    /** Redis's client types, as CLIENT LIST TYPE and CLIENT KILL TYPE accept them. */
    private static final List<String> CLIENT_TYPES = List.of("normal", "master", "replica", "slave", "pubsub");

    private static boolean isClientType(byte[] t) {
        return CLIENT_TYPES.contains(Args.lower(t));
    }

    /** CLIENT LIST [TYPE t | ID id...], parsed exactly as Redis's clientCommand does. */
    private static void clientList(CommandContext c, Request r, RespWriter out) {
        List<CommandContext> all = new ArrayList<>(c.server().clients());
        all.sort((a, b) -> Long.compare(a.id(), b.id()));
        StringBuilder sb = new StringBuilder();
        if (r.argc() == 4 && r.argIs(2, "type")) {
            if (!isClientType(r.arg(3))) {
                out.error(RedisErrors.unknownClientType(r.arg(3)));
                return;
            }
            // Every RingKV connection is a normal client: other types list nothing.
            if (!r.argIs(3, "normal")) {
                all.clear();
            }
            for (CommandContext x : all) {
                sb.append(clientLine(x)).append('\n');
            }
        } else if (r.argc() > 3 && r.argIs(2, "id")) {
            // Ids are printed in the order given, repeats included; any integer is a valid id.
            for (int j = 3; j < r.argc(); j++) {
                long id;
                try {
                    id = Args.parseLong(r.arg(j));
                } catch (Args.NotANumber e) {
                    out.error(RedisErrors.INVALID_CLIENT_ID);
                    return;
                }
                CommandContext x = c.server().client(id);
                if (x != null) {
                    sb.append(clientLine(x)).append('\n');
                }
            }
        } else if (r.argc() != 2) {
            out.error(RedisErrors.SYNTAX);
            return;
        } else {
            for (CommandContext x : all) {
                sb.append(clientLine(x)).append('\n');
            }
        }
        out.verbatim(sb.toString());
    }

    private static void clientKill(CommandContext c, Request r, RespWriter out) {
        if (r.argc() == 3) {
            String addr = r.argString(2);
            for (CommandContext x : c.server().clients()) {
                if (x.addr().equals(addr)) {
                    kill(c, x);
                    out.ok();
                    return;
                }
            }
            out.error(RedisErrors.NO_SUCH_CLIENT);
            return;
        }
        if (r.argc() % 2 != 0) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        Long id = null;
        String addr = null;
        String laddr = null;
        boolean normalType = true;
        boolean skipMe = true;
        for (int j = 2; j < r.argc(); j += 2) {
            String v = r.argString(j + 1);
            if (r.argIs(j, "id")) {
                try {
                    id = Args.parseLong(r.arg(j + 1));
                } catch (Args.NotANumber e) {
                    id = 0L;
                }
                if (id < 1) {
                    out.error(RedisErrors.CLIENT_ID_NOT_POSITIVE);
                    return;
                }
            } else if (r.argIs(j, "type")) {
                if (!isClientType(r.arg(j + 1))) {
                    out.error(RedisErrors.unknownClientType(r.arg(j + 1)));
                    return;
                }
                normalType = r.argIs(j + 1, "normal");
            } else if (r.argIs(j, "addr")) {
                addr = v;
            } else if (r.argIs(j, "laddr")) {
                laddr = v;
            } else if (r.argIs(j, "user")) {
                // RingKV has one user, "default" (no ACLs yet).
                if (!v.equals("default")) {
                    out.error(RedisErrors.noSuchUser(r.arg(j + 1)));
                    return;
                }
            } else if (r.argIs(j, "skipme")) {
                if (v.equalsIgnoreCase("yes")) {
                    skipMe = true;
                } else if (v.equalsIgnoreCase("no")) {
                    skipMe = false;
                } else {
                    out.error(RedisErrors.SYNTAX);
                    return;
                }
            } else {
                out.error(RedisErrors.SYNTAX);
                return;
            }
        }
        long killed = 0;
        for (CommandContext x : new ArrayList<>(c.server().clients())) {
            if (!normalType || (id != null && x.id() != id) || (addr != null && !x.addr().equals(addr))
                    || (laddr != null && !x.laddr().equals(laddr)) || (skipMe && x == c)) {
                continue;
            }
            kill(c, x);
            killed++;
        }
        out.integer(killed);
    }

    private static void kill(CommandContext self, CommandContext victim) {
        if (victim == self) {
            self.closeAfterReply();
        } else {
            victim.channel().close();
        }
    }

    private static void clientHelp(CommandContext c, Request r, RespWriter out) {
        String[] lines = {
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GETNAME", "    Return the name of the current connection.",
            "ID", "    Return the ID of the current connection.",
            "INFO", "    Return information about the current client connection.",
            "KILL <ip:port>", "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are: ID, ADDR, LADDR, USER, TYPE normal, SKIPME yes|no.",
            "LIST [options ...]", "    Return information about client connections. Options: TYPE normal, ID <id> [...].",
            "NO-EVICT (ON|OFF)", "    Accepted for compatibility.",
            "NO-TOUCH (ON|OFF)", "    Accepted for compatibility.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
            "HELP", "    Print this help."
        };
        out.arrayHeader(lines.length);
        for (String l : lines) {
            out.simple(l);
        }
    }
}
