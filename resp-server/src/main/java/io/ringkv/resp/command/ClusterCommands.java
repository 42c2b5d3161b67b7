package io.ringkv.resp.command;

import static io.ringkv.resp.command.CommandFlag.DENYOOM;
import static io.ringkv.resp.command.CommandFlag.FAST;
import static io.ringkv.resp.command.CommandFlag.READONLY;
import static io.ringkv.resp.command.CommandFlag.WRITE;
import static io.ringkv.resp.command.CommandSpec.command;

import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.Record;
import io.ringkv.ring.version.CausalContext;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.ring.version.VersionVector;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RingKV's own commands for consistency and causality: CONSISTENCY (per connection), CL (per
 * command), and CAUSAL.GET / CAUSAL.SET / CAUSAL.DEL, which expose siblings and their context.
 */
public final class ClusterCommands {
    private ClusterCommands() {}

    public static void register(CommandTable t) {
        t.register(command("consistency", -1).args("[level:string] [READ level:string] [WRITE level:string] [DEFAULT]").flags(FAST).acl("@connection @fast")
                .doc("connection", "0.1.0", "O(1)", "Shows or sets this connection's read and write consistency levels.")
                .handler(ClusterCommands::consistency).build());
        t.register(command("cl", -3).args("level:string command:string [arg:string...]").acl("@slow")
                .doc("server", "0.1.0", "Depends on the command.", "Runs one command at the given consistency level (ANY reads at ONE).")
                .handler(ClusterCommands::cl).build());
        t.register(command("causal.get", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@read @string @fast")
                .doc("string", "0.1.0", "O(siblings)", "Returns every sibling of a key and a context covering them all.")
                .handler(ClusterCommands::causalGet).build());
        t.register(command("causal.set", -3).args("key:key value:string [CONTEXT context:string] [expiration:EX seconds:integer|PX milliseconds:integer]")
                .flags(WRITE, DENYOOM).keys(1, 1, 1).acl("@write @string @slow")
                .doc("string", "0.1.0", "O(siblings)", "Writes a value superseding exactly the versions the context covers; returns the new context.")
                .handler(ClusterCommands::causalSet).build());
        t.register(command("causal.del", -2).args("key:key [CONTEXT context:string]").flags(WRITE).keys(1, 1, 1).acl("@write @keyspace @slow")
                .doc("generic", "0.1.0", "O(siblings)", "Deletes the versions the context covers (a tombstone); returns the new context.")
                .handler(ClusterCommands::causalDel).build());
    }

    /** The levels for a single level name: ANY writes at ANY and reads at ONE. */
    static Consistency both(ConsistencyLevel l) {
        return new Consistency(l == ConsistencyLevel.ANY ? ConsistencyLevel.ONE : l, l);
    }

    private static void consistency(CommandContext c, Request r, RespWriter out) {
        if (r.argc() == 1) {
            Consistency cur = c.consistency();
            out.mapHeader(2);
            out.bulk("read");
            out.bulk(cur.read().name());
            out.bulk("write");
            out.bulk(cur.write().name());
            return;
        }
        if (r.argc() == 2) {
            if (r.argIs(1, "default")) {
                c.connectionConsistency(null);
                out.ok();
                return;
            }
            ConsistencyLevel l = ConsistencyLevel.parse(r.argString(1));
            if (l == null) {
                out.error(RedisErrors.unknownConsistencyLevel(r.argString(1)));
                return;
            }
            c.connectionConsistency(both(l));
            out.ok();
            return;
        }
        Consistency cur = c.consistency();
        ConsistencyLevel read = cur.read();
        ConsistencyLevel write = cur.write();
        if (r.argc() % 2 == 0) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        for (int i = 1; i < r.argc(); i += 2) {
            ConsistencyLevel l = ConsistencyLevel.parse(r.argString(i + 1));
            if (l == null) {
                out.error(RedisErrors.unknownConsistencyLevel(r.argString(i + 1)));
                return;
            }
            if (r.argIs(i, "read")) {
                if (l == ConsistencyLevel.ANY) {
                    out.error(RedisErrors.ANY_NOT_FOR_READS);
                    return;
                }
                read = l;
            } else if (r.argIs(i, "write")) {
                write = l;
            } else {
                out.error(RedisErrors.SYNTAX);
                return;
            }
        }
        c.connectionConsistency(new Consistency(read, write));
        out.ok();
    }

    private static void cl(CommandContext c, Request r, RespWriter out) {
        ConsistencyLevel l = ConsistencyLevel.parse(r.argString(1));
        if (l == null) {
            out.error(RedisErrors.unknownConsistencyLevel(r.argString(1)));
            return;
        }
        if (r.argIs(2, "cl")) {
            out.error(RedisErrors.CL_NESTED);
            return;
        }
        Request inner = new Request(r.args().subList(2, r.argc()));
        c.commandConsistency(both(l));
        try {
            c.server().commands().dispatch(c, inner, out);
        } finally {
            c.commandConsistency(null);
        }
    }

    private static void causalGet(CommandContext c, Request r, RespWriter out) {
        byte[] key = r.arg(1);
        c.reply(out, c.server().kv().causalGet(key, c.consistency()), (s, w) -> {
            if (s.isEmpty() && s.clock().isEmpty()) {
                w.nullArray();
                return;
            }
            long now = c.server().clock().currentTimeMillis();
            List<Version> live = new ArrayList<>();
            for (Version v : s.versions()) {
                if (!v.record().isTombstone() && !v.record().isExpired(now)) {
                    live.add(v);
                }
            }
            w.arrayHeader(2);
            w.bulk(CausalContext.encode(s.clock(), key, c.server().clusterSecret()));
            w.arrayHeader(live.size());
            for (Version v : live) {
                Record rec = v.record();
                w.bulk(rec.encoded(), rec.payloadOffset(), rec.payloadLength());
            }
        });
    }

    /** Parsed CONTEXT / EX / PX options of CAUSAL.SET and CAUSAL.DEL. */
    private static final class CausalOptions {
        VersionVector context = VersionVector.empty();
        long deadline;
        String error;
    }

    private static CausalOptions parse(CommandContext c, Request r, int from, boolean allowExpiry) {
        CausalOptions o = new CausalOptions();
        boolean seenContext = false;
        boolean seenExpiry = false;
        for (int i = from; i < r.argc(); i += 2) {
            if (i + 1 >= r.argc()) {
                o.error = RedisErrors.SYNTAX;
                return o;
            }
            String opt = r.argString(i).toLowerCase(Locale.ROOT);
            if (opt.equals("context") && !seenContext) {
                seenContext = true;
                byte[] ctx = r.arg(i + 1);
                if (ctx.length > 0) {
                    try {
                        o.context = CausalContext.decode(ctx, r.arg(1), c.server().clusterSecret());
                    } catch (CausalContext.InvalidContextException e) {
                        o.error = RedisErrors.invalidContext(e.getMessage());
                        return o;
                    }
                }
            } else if (allowExpiry && (opt.equals("ex") || opt.equals("px")) && !seenExpiry) {
                seenExpiry = true;
                long v;
                try {
                    v = Args.parseLong(r.arg(i + 1));
                } catch (Args.NotANumber e) {
                    o.error = RedisErrors.NOT_INTEGER;
                    return o;
                }
                if (v <= 0 || (opt.equals("ex") && v > Long.MAX_VALUE / 1000)) {
                    o.error = RedisErrors.invalidExpireTime("causal.set");
                    return o;
                }
                long ms = opt.equals("ex") ? v * 1000 : v;
                long now = c.server().clock().currentTimeMillis();
                if (ms > Long.MAX_VALUE - now) {
                    o.error = RedisErrors.invalidExpireTime("causal.set");
                    return o;
                }
                o.deadline = now + ms;
            } else {
                o.error = RedisErrors.SYNTAX;
                return o;
            }
        }
        return o;
    }

    private static void causalSet(CommandContext c, Request r, RespWriter out) {
        CausalOptions o = parse(c, r, 3, true);
        if (o.error != null) {
            out.error(o.error);
            return;
        }
        long now = c.server().clock().currentTimeMillis();
        causalWrite(c, r.arg(1), o.context, Record.string(r.arg(2), now, o.deadline), out);
    }

    private static void causalDel(CommandContext c, Request r, RespWriter out) {
        CausalOptions o = parse(c, r, 2, false);
        if (o.error != null) {
            out.error(o.error);
            return;
        }
        causalWrite(c, r.arg(1), o.context, Record.tombstone(c.server().clock().currentTimeMillis()), out);
    }

    private static void causalWrite(CommandContext c, byte[] key, VersionVector context, Record record, RespWriter out) {
        c.reply(out, c.server().kv().causalPut(key, context, record, c.consistency()),
                (Siblings s, RespWriter w) -> w.bulk(CausalContext.encode(s.clock(), key, c.server().clusterSecret())));
    }
}
