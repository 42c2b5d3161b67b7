package io.ringkv.resp.command;

import static io.ringkv.resp.command.CommandFlag.FAST;
import static io.ringkv.resp.command.CommandFlag.READONLY;
import static io.ringkv.resp.command.CommandFlag.WRITE;
import static io.ringkv.resp.command.CommandSpec.command;

import io.ringkv.ring.Change;
import io.ringkv.ring.KeyValueService;
import io.ringkv.ring.MultiKeyUpdate;
import io.ringkv.ring.Record;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Generic keyspace commands: existence, expiry, type, iteration, rename, flush. */
public final class KeyspaceCommands {
    /** Upper bound on SCAN's COUNT, so one call cannot pin the event loop indefinitely. */
    public static final int SCAN_COUNT_MAX = 100_000;
    /** Keys KEYS asks for per page of its cluster-wide scan. */
    private static final int KEYS_PAGE_COUNT = 1000;

    private KeyspaceCommands() {}

    public static void register(CommandTable t) {
        t.register(command("del", -2).args("key:key...").flags(WRITE).keys(1, -1, 1).acl("@keyspace @write @slow")
                .doc("generic", "1.0.0", "O(N) where N is the number of keys that will be removed.", "Deletes one or more keys.")
                .handler(KeyspaceCommands::del).build());
        t.register(command("unlink", -2).args("key:key...").flags(WRITE, FAST).keys(1, -1, 1).acl("@keyspace @write @fast")
                .doc("generic", "4.0.0", "O(1) for each key removed regardless of its size.", "Asynchronously deletes one or more keys.")
                .handler(KeyspaceCommands::del).build());
        t.register(command("exists", -2).args("key:key...").flags(READONLY, FAST).keys(1, -1, 1).acl("@keyspace @read @fast")
                .doc("generic", "1.0.0", "O(N) where N is the number of keys to check.", "Determines whether one or more keys exist.")
                .handler(KeyspaceCommands::exists).build());
        for (String[] e : new String[][] {{"expire", "1000", "rel", "1.0.0", "seconds:integer"}, {"pexpire", "1", "rel", "2.6.0", "milliseconds:integer"},
                {"expireat", "1000", "abs", "1.2.0", "unix-time-seconds:unix-time"}, {"pexpireat", "1", "abs", "2.6.0", "unix-time-milliseconds:unix-time"}}) {
            long unit = Long.parseLong(e[1]);
            boolean relative = e[2].equals("rel");
            t.register(command(e[0], -3).args("key:key " + e[4] + " [condition:NX|XX|GT|LT]").flags(WRITE, FAST).keys(1, 1, 1).acl("@keyspace @write @fast")
                    .doc("generic", e[3], "O(1)", "Sets the expiration time of a key.")
                    .handler((c, r, o) -> expire(c, r, o, unit, relative)).build());
        }
        t.register(command("ttl", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@keyspace @read @fast")
                .doc("generic", "1.0.0", "O(1)", "Returns the expiration time in seconds of a key.")
                .handler((c, r, o) -> ttl(c, r, o, false, false)).build());
        t.register(command("pttl", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@keyspace @read @fast")
                .doc("generic", "2.6.0", "O(1)", "Returns the expiration time in milliseconds of a key.")
                .handler((c, r, o) -> ttl(c, r, o, true, false)).build());
        t.register(command("expiretime", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@keyspace @read @fast")
                .doc("generic", "7.0.0", "O(1)", "Returns the expiration time of a key as a Unix timestamp.")
                .handler((c, r, o) -> ttl(c, r, o, false, true)).build());
        t.register(command("pexpiretime", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@keyspace @read @fast")
                .doc("generic", "7.0.0", "O(1)", "Returns the expiration time of a key as a Unix milliseconds timestamp.")
                .handler((c, r, o) -> ttl(c, r, o, true, true)).build());
        t.register(command("persist", 2).args("key:key").flags(WRITE, FAST).keys(1, 1, 1).acl("@keyspace @write @fast")
                .doc("generic", "2.2.0", "O(1)", "Removes the expiration time of a key.").handler(KeyspaceCommands::persist).build());
        t.register(command("type", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@keyspace @read @fast")
                .doc("generic", "1.0.0", "O(1)", "Determines the type of value stored at a key.").handler(KeyspaceCommands::type).build());
        t.register(command("scan", -2).args("cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type:string]").flags(READONLY).acl("@keyspace @read @slow")
                .doc("generic", "2.8.0", "O(1) for every call. O(N) for a complete iteration.", "Iterates over the key names in the database.")
                .handler(KeyspaceCommands::scan).build());
        t.register(command("keys", 2).args("pattern:pattern").flags(READONLY).acl("@keyspace @read @slow @dangerous")
                .doc("generic", "1.0.0", "O(N) with N being the number of keys in the database.", "Returns all key names that match a pattern.")
                .handler(KeyspaceCommands::keys).build());
        t.register(command("randomkey", 1).flags(READONLY).acl("@keyspace @read @slow")
                .doc("generic", "1.0.0", "O(1)", "Returns a random key name from the database.").handler(KeyspaceCommands::randomkey).build());
        t.register(command("rename", 3).args("key:key newkey:key").flags(WRITE).keys(1, 2, 1).acl("@keyspace @write @slow")
                .doc("generic", "1.0.0", "O(1)", "Renames a key and overwrites the destination (keys in one partition).")
                .handler((c, r, o) -> rename(c, r, o, false)).build());
        t.register(command("renamenx", 3).args("key:key newkey:key").flags(WRITE, FAST).keys(1, 2, 1).acl("@keyspace @write @fast")
                .doc("generic", "1.0.0", "O(1)", "Renames a key only when the target key name doesn't exist (keys in one partition).")
                .handler((c, r, o) -> rename(c, r, o, true)).build());
        t.register(command("dbsize", 1).flags(READONLY, FAST).acl("@keyspace @read @fast")
                .doc("server", "1.0.0", "O(1)", "Returns the number of keys in the database.")
                .handler((c, r, o) -> c.reply(o, c.server().kv().size(), (n, w) -> w.integer(n))).build());
        t.register(command("flushdb", -1).args("[flush-type:ASYNC|SYNC]").flags(WRITE).acl("@keyspace @write @slow @dangerous")
                .doc("server", "1.0.0", "O(N) where N is the number of keys in the selected database", "Remove all keys from the current database.")
                .handler(KeyspaceCommands::flush).build());
        t.register(command("flushall", -1).args("[flush-type:ASYNC|SYNC]").flags(WRITE).acl("@keyspace @write @slow @dangerous")
                .doc("server", "1.0.0", "O(N) where N is the total number of keys in all databases", "Removes all keys from all databases.")
                .handler(KeyspaceCommands::flush).build());
    }

    private static KeyValueService kv(CommandContext c) {
        return c.server().kv();
    }

    private static void del(CommandContext c, Request r, RespWriter out) {
        List<CompletableFuture<Long>> deletes = new ArrayList<>(r.argc() - 1);
        for (int i = 1; i < r.argc(); i++) {
            deletes.add(kv(c).update(r.arg(i), (cur, now) -> cur == null ? Change.keep(0L) : Change.delete(1L), c.consistency()));
        }
        replySum(c, out, deletes);
    }

    private static void replySum(CommandContext c, RespWriter out, List<CompletableFuture<Long>> counts) {
        c.reply(out, CompletableFuture.allOf(counts.toArray(new CompletableFuture[0])), (v, w) -> {
            long n = 0;
            for (CompletableFuture<Long> f : counts) {
                n += f.join();
            }
            w.integer(n);
        });
    }

    private static void exists(CommandContext c, Request r, RespWriter out) {
        List<CompletableFuture<Long>> found = new ArrayList<>(r.argc() - 1);
        for (int i = 1; i < r.argc(); i++) {
            found.add(kv(c).get(r.arg(i), c.consistency()).thenApply(rec -> rec == null ? 0L : 1L));
        }
        replySum(c, out, found);
    }

    private static final int NX = 1, XX = 2, GT = 4, LT = 8;

    private static void expire(CommandContext c, Request r, RespWriter out, long unitMillis, boolean relative) {
        int flags = 0;
        for (int j = 3; j < r.argc(); j++) {
            if (r.argIs(j, "nx")) {
                flags |= NX;
            } else if (r.argIs(j, "xx")) {
                flags |= XX;
            } else if (r.argIs(j, "gt")) {
                flags |= GT;
            } else if (r.argIs(j, "lt")) {
                flags |= LT;
            } else {
                out.error(RedisErrors.unsupportedExpireOption(r.argString(j)));
                return;
            }
        }
        if ((flags & NX) != 0 && (flags & (XX | GT | LT)) != 0) {
            out.error(RedisErrors.EXPIRE_NX_CONFLICT);
            return;
        }
        if ((flags & GT) != 0 && (flags & LT) != 0) {
            out.error(RedisErrors.EXPIRE_GT_LT_CONFLICT);
            return;
        }
        long when;
        try {
            when = Args.parseLong(r.arg(2));
        } catch (Args.NotANumber e) {
            out.error(RedisErrors.NOT_INTEGER);
            return;
        }
        String name = Args.lower(r.arg(0));
        if (unitMillis == 1000) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
                out.error(RedisErrors.invalidExpireTime(name));
                return;
            }
            when *= 1000;
        }
        long base = relative ? c.server().clock().currentTimeMillis() : 0;
        if (when > Long.MAX_VALUE - base) {
            out.error(RedisErrors.invalidExpireTime(name));
            return;
        }
        long deadline = when + base;
        int f = flags;
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            if (cur == null) {
                return Change.keep(0L);
            }
            long current = cur.hasExpiry() ? cur.expireAtMillis() : -1;
            if ((f & NX) != 0 && current != -1) {
                return Change.keep(0L);
            }
            if ((f & XX) != 0 && current == -1) {
                return Change.keep(0L);
            }
            if ((f & GT) != 0 && (current == -1 || deadline <= current)) {
                return Change.keep(0L);
            }
            if ((f & LT) != 0 && current != -1 && deadline >= current) {
                return Change.keep(0L);
            }
            // A deadline already in the past deletes the key, as Redis does. A deadline of 0 or
            // below cannot be stored as "expires" (0 means no expiry), so it also deletes.
            if (deadline <= now) {
                return Change.delete(1L);
            }
            return Change.put(cur.withExpiry(deadline, now), 1L);
        }, c.consistency()), (n, w) -> w.integer(n));
    }

    private static void ttl(CommandContext c, Request r, RespWriter out, boolean millis, boolean absolute) {
        c.reply(out, kv(c).get(r.arg(1), c.consistency()), (rec, w) -> {
            if (rec == null) {
                w.integer(-2);
                return;
            }
            if (!rec.hasExpiry()) {
                w.integer(-1);
                return;
            }
            long at = rec.expireAtMillis();
            long ms = absolute ? at : Math.max(0, at - c.server().clock().currentTimeMillis());
            // Redis rounds to the nearest second for TTL and EXPIRETIME alike; written so that
            // deadlines near Long.MAX_VALUE do not overflow ((ms + 500) / 1000 would).
            w.integer(millis ? ms : ms / 1000 + (ms % 1000 >= 500 ? 1 : 0));
        });
    }

    private static void persist(CommandContext c, Request r, RespWriter out) {
        c.reply(out, kv(c).update(r.arg(1), (cur, now) ->
                cur == null || !cur.hasExpiry() ? Change.keep(0L) : Change.put(cur.withExpiry(0, now), 1L), c.consistency()),
                (n, w) -> w.integer(n));
    }

    private static void type(CommandContext c, Request r, RespWriter out) {
        c.reply(out, kv(c).get(r.arg(1), c.consistency()), (rec, w) -> w.simple(rec == null ? "none" : rec.type().redisName()));
    }

    /** The pattern to filter by, or null when it matches everything. */
    private static byte[] pattern(byte[] pat) {
        return pat == null || (pat.length == 1 && pat[0] == '*') ? null : pat;
    }

    private static void scan(CommandContext c, Request r, RespWriter out) {
        long cursor;
        try {
            cursor = Args.parseScanCursor(r.arg(1));
        } catch (Args.NotANumber e) {
            out.error(RedisErrors.INVALID_CURSOR);
            return;
        }
        long count = 10;
        byte[] pat = null;
        String type = null;
        for (int j = 2; j < r.argc(); j += 2) {
            if (j + 1 >= r.argc()) {
                out.error(RedisErrors.SYNTAX);
                return;
            }
            if (r.argIs(j, "count")) {
                try {
                    count = Args.parseLong(r.arg(j + 1));
                } catch (Args.NotANumber e) {
                    out.error(RedisErrors.NOT_INTEGER);
                    return;
                }
                if (count < 1) {
                    out.error(RedisErrors.SYNTAX);
                    return;
                }
            } else if (r.argIs(j, "match")) {
                pat = r.arg(j + 1);
            } else if (r.argIs(j, "type")) {
                type = r.argString(j + 1);
            } else {
                out.error(RedisErrors.SYNTAX);
                return;
            }
        }
        c.reply(out, kv(c).scan(cursor, (int) Math.min(count, SCAN_COUNT_MAX), pattern(pat), type), (page, w) -> {
            w.arrayHeader(2);
            w.bulk(Long.toUnsignedString(page.nextCursor()));
            w.arrayHeader(page.keys().size());
            for (byte[] k : page.keys()) {
                w.bulk(k);
            }
        });
    }

    private static void keys(CommandContext c, Request r, RespWriter out) {
        List<byte[]> found = new ArrayList<>();
        c.reply(out, scanAll(kv(c), 0, pattern(r.arg(1)), found), (v, w) -> {
            w.arrayHeader(found.size());
            for (byte[] k : found) {
                w.bulk(k);
            }
        });
    }

    /** KEYS: every page of a cluster-wide scan, chained without blocking. */
    private static CompletableFuture<Void> scanAll(KeyValueService kv, long cursor, byte[] pattern, List<byte[]> found) {
        return kv.scan(cursor, KEYS_PAGE_COUNT, pattern, null).thenCompose(page -> {
            found.addAll(page.keys());
            return page.nextCursor() == 0 ? CompletableFuture.completedFuture(null) : scanAll(kv, page.nextCursor(), pattern, found);
        });
    }

    private static void randomkey(CommandContext c, Request r, RespWriter out) {
        c.reply(out, kv(c).randomKey(), (k, w) -> {
            if (k == null) {
                w.nullBulk();
            } else {
                w.bulk(k);
            }
        });
    }

    private static void rename(CommandContext c, Request r, RespWriter out, boolean nx) {
        byte[] src = r.arg(1);
        byte[] dst = r.arg(2);
        if (!StringCommands.samePartition(c, List.of(src, dst))) {
            out.error(RedisErrors.CROSSSLOT);
            return;
        }
        boolean same = Arrays.equals(src, dst);
        c.reply(out, kv(c).updateAll(List.of(src, dst), (cur, now) -> {
            Record s = cur.get(0);
            Record d = cur.get(1);
            List<Change<Void>> keep = List.of(Change.keep(null), Change.keep(null));
            if (s == null) {
                return new MultiKeyUpdate.Result<>(keep, RedisErrors.NO_SUCH_KEY);
            }
            if (same) {
                return new MultiKeyUpdate.Result<>(keep, nx ? (Object) 0L : "OK");
            }
            if (nx && d != null) {
                return new MultiKeyUpdate.Result<>(keep, 0L);
            }
            Record moved = s.withExpiry(s.expireAtMillis(), now);
            return new MultiKeyUpdate.Result<>(List.of(Change.delete(null), Change.put(moved, null)), nx ? (Object) 1L : "OK");
        }, c.consistency()), (reply, w) -> {
            if (reply instanceof Long l) {
                w.integer(l);
            } else if ("OK".equals(reply)) {
                w.ok();
            } else {
                w.error((String) reply);
            }
        });
    }

    private static void flush(CommandContext c, Request r, RespWriter out) {
        if (r.argc() > 2 || (r.argc() == 2 && !r.argIs(1, "async") && !r.argIs(1, "sync"))) {
            out.error(RedisErrors.SYNTAX);
            return;
        }
        c.reply(out, kv(c).flushAll(), (v, w) -> w.ok());
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
