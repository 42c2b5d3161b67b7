package io.ringkv.resp.command;

import static io.ringkv.resp.command.CommandFlag.DENYOOM;
import static io.ringkv.resp.command.CommandFlag.FAST;
import static io.ringkv.resp.command.CommandFlag.READONLY;
import static io.ringkv.resp.command.CommandFlag.WRITE;
import static io.ringkv.resp.command.CommandSpec.command;

import io.ringkv.ring.Change;
import io.ringkv.ring.KeyValueService;
import io.ringkv.ring.MultiKeyUpdate;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The string commands, with Redis 7 semantics and replies. */
public final class StringCommands {
    private StringCommands() {}

    /** Sentinel replies that are not values. */
    private enum Status { OK, NIL, WRONGTYPE, NOT_INTEGER, OVERFLOW, NOT_FLOAT, NAN, TOO_LONG }

    public static void register(CommandTable t) {
        t.register(command("get", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@read @string @fast")
                .doc("string", "1.0.0", "O(1)", "Returns the string value of a key.").handler(StringCommands::get).build());
        t.register(command("set", -3).args("key:key value:string [condition:NX|XX] [GET] [expiration:EX seconds:integer|PX milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|KEEPTTL]").flags(WRITE, DENYOOM).keys(1, 1, 1).acl("@write @string @slow")
                .doc("string", "1.0.0", "O(1)", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.")
                .handler(StringCommands::set).build());
        t.register(command("setnx", 3).args("key:key value:string").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "1.0.0", "O(1)", "Set the string value of a key only when the key doesn't exist.").handler(StringCommands::setnx).build());
        t.register(command("setex", 4).args("key:key seconds:integer value:string").flags(WRITE, DENYOOM).keys(1, 1, 1).acl("@write @string @slow")
                .doc("string", "2.0.0", "O(1)", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.")
                .handler((c, r, o) -> setWithExpiry(c, r, o, 1000)).build());
        t.register(command("psetex", 4).args("key:key milliseconds:integer value:string").flags(WRITE, DENYOOM).keys(1, 1, 1).acl("@write @string @slow")
                .doc("string", "2.6.0", "O(1)", "Sets both string value and expiration time in milliseconds of a key.")
                .handler((c, r, o) -> setWithExpiry(c, r, o, 1)).build());
        t.register(command("getset", 3).args("key:key value:string").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "1.0.0", "O(1)", "Returns the previous string value of a key after setting it to a new value.")
                .handler(StringCommands::getset).build());
        t.register(command("getdel", 2).args("key:key").flags(WRITE, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "6.2.0", "O(1)", "Returns the string value of a key after deleting the key.").handler(StringCommands::getdel).build());
        t.register(command("getex", -2).args("key:key [expiration:EX seconds:integer|PX milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|PERSIST]").flags(WRITE, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "6.2.0", "O(1)", "Returns the string value of a key after setting its expiration time.").handler(StringCommands::getex).build());
        t.register(command("mget", -2).args("key:key...").flags(READONLY, FAST).keys(1, -1, 1).acl("@read @string @fast")
                .doc("string", "1.0.0", "O(N) where N is the number of keys to retrieve.", "Atomically returns the string values of one or more keys.")
                .handler(StringCommands::mget).build());
        t.register(command("mset", -3).args("data:(key:key value:string)...").flags(WRITE, DENYOOM).keys(1, -1, 2).acl("@write @string @slow")
                .doc("string", "1.0.1", "O(N) where N is the number of keys to set.", "Sets the string values of one or more keys (not atomic across partitions).")
                .handler(StringCommands::mset).build());
        t.register(command("msetnx", -3).args("data:(key:key value:string)...").flags(WRITE, DENYOOM).keys(1, -1, 2).acl("@write @string @slow")
                .doc("string", "1.0.1", "O(N) where N is the number of keys to set.", "Atomically modifies the string values of one or more keys only when all keys don't exist.")
                .handler(StringCommands::msetnx).build());
        t.register(command("incr", 2).args("key:key").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "1.0.0", "O(1)", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.")
                .handler((c, r, o) -> incrBy(c, r.arg(1), 1, o)).build());
        t.register(command("decr", 2).args("key:key").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "1.0.0", "O(1)", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.")
                .handler((c, r, o) -> incrBy(c, r.arg(1), -1, o)).build());
        t.register(command("incrby", 3).args("key:key increment:integer").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "1.0.0", "O(1)", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.")
                .handler((c, r, o) -> incrByArg(c, r, o, false)).build());
        t.register(command("decrby", 3).args("key:key decrement:integer").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "1.0.0", "O(1)", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.")
                .handler((c, r, o) -> incrByArg(c, r, o, true)).build());
        t.register(command("incrbyfloat", 3).args("key:key increment:double").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "2.6.0", "O(1)", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.")
                .handler(StringCommands::incrByFloat).build());
        t.register(command("append", 3).args("key:key value:string").flags(WRITE, DENYOOM, FAST).keys(1, 1, 1).acl("@write @string @fast")
                .doc("string", "2.0.0", "O(1)", "Appends a string to the value of a key. Creates the key if it doesn't exist.")
                .handler(StringCommands::append).build());
        t.register(command("strlen", 2).args("key:key").flags(READONLY, FAST).keys(1, 1, 1).acl("@read @string @fast")
                .doc("string", "2.2.0", "O(1)", "Returns the length of a string value.").handler(StringCommands::strlen).build());
        t.register(command("getrange", 4).args("key:key start:integer end:integer").flags(READONLY).keys(1, 1, 1).acl("@read @string @slow")
                .doc("string", "2.4.0", "O(N) where N is the length of the returned string.", "Returns a substring of the string stored at a key.")
                .handler(StringCommands::getrange).build());
        t.register(command("substr", 4).args("key:key start:integer end:integer").flags(READONLY).keys(1, 1, 1).acl("@read @string @slow")
                .doc("string", "1.0.0", "O(N) where N is the length of the returned string.", "Returns a substring from a string value.")
                .handler(StringCommands::getrange).build());
        t.register(command("setrange", 4).args("key:key offset:integer value:string").flags(WRITE, DENYOOM).keys(1, 1, 1).acl("@write @string @slow")
                .doc("string", "2.2.0", "O(1), not counting the time taken to copy the new string in place.",
                        "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.")
                .handler(StringCommands::setrange).build());
    }

    private static KeyValueService kv(CommandContext c) {
        return c.server().kv();
    }

    static boolean isString(Record r) {
        return r.type() == Record.Type.STRING;
    }

    private static void get(CommandContext c, Request r, RespWriter out) {
        c.reply(out, kv(c).get(r.arg(1), c.consistency()), StringCommands::writeValue);
    }

    private static void writeValue(Record rec, RespWriter out) {
        if (rec == null) {
            out.nullBulk();
        } else if (!isString(rec)) {
            out.error(RedisErrors.WRONG_TYPE);
        } else {
            out.bulk(rec.encoded(), rec.payloadOffset(), rec.payloadLength());
        }
    }

    /** Parsed SET/GETEX options (Redis's parseExtendedStringArgumentsOrReply). */
    static final class SetOptions {
        static final int NX = 1, XX = 2, GET = 4, KEEPTTL = 8, PERSIST = 16, EX = 32, PX = 64, EXAT = 128, PXAT = 256;
        int flags;
        byte[] expire;
        String error;

        boolean has(int f) {
            return (flags & f) != 0;
        }

        static SetOptions parse(Request r, int from, boolean isSet) {
            SetOptions o = new SetOptions();
            for (int j = from; j < r.argc(); j++) {
                boolean hasNext = j < r.argc() - 1;
                int expiryFlags = EX | PX | EXAT | PXAT;
                if (isSet && r.argIs(j, "nx") && !o.has(XX)) {
                    o.flags |= NX;
                } else if (isSet && r.argIs(j, "xx") && !o.has(NX)) {
                    o.flags |= XX;
                } else if (isSet && r.argIs(j, "get")) {
                    o.flags |= GET;
                } else if (isSet && r.argIs(j, "keepttl") && !o.has(PERSIST | expiryFlags)) {
                    o.flags |= KEEPTTL;
                } else if (!isSet && r.argIs(j, "persist") && !o.has(expiryFlags | KEEPTTL)) {
                    o.flags |= PERSIST;
                } else if (hasNext && r.argIs(j, "ex") && !o.has(KEEPTTL | PERSIST | EXAT | PX | PXAT)) {
                    o.flags |= EX;
                    o.expire = r.arg(++j);
                } else if (hasNext && r.argIs(j, "px") && !o.has(KEEPTTL | PERSIST | EX | EXAT | PXAT)) {
                    o.flags |= PX;
                    o.expire = r.arg(++j);
                } else if (hasNext && r.argIs(j, "exat") && !o.has(KEEPTTL | PERSIST | EX | PX | PXAT)) {
                    o.flags |= EXAT;
                    o.expire = r.arg(++j);
                } else if (hasNext && r.argIs(j, "pxat") && !o.has(KEEPTTL | PERSIST | EX | EXAT | PX)) {
                    o.flags |= PXAT;
                    o.expire = r.arg(++j);
                } else {
                    o.error = RedisErrors.SYNTAX;
                    return o;
                }
            }
            return o;
        }

        /**
         * Resolves the expiry option to an absolute deadline (Redis's
         * getExpireMillisecondsOrReply). Returns 0 when there is none; sets {@link #error}.
         */
        long deadline(long now, String commandName) {
            if (expire == null) {
                return 0;
            }
            long v;
            try {
                v = Args.parseLong(expire);
            } catch (Args.NotANumber e) {
                error = RedisErrors.NOT_INTEGER;
                return 0;
            }
            boolean seconds = has(EX) || has(EXAT);
            if (v <= 0 || (seconds && v > Long.MAX_VALUE / 1000)) {
                error = RedisErrors.invalidExpireTime(commandName);
                return 0;
            }
            if (seconds) {
                v *= 1000;
            }
            if (has(EX) || has(PX)) {
                v += now;
            }
            if (v <= 0) {
                error = RedisErrors.invalidExpireTime(commandName);
                return 0;
            }
            return v;
        }
    }

    private static void set(CommandContext c, Request r, RespWriter out) {
        byte[] value = r.arg(2);
        if (r.argc() == 3) {
            long now = c.server().clock().currentTimeMillis();
            c.reply(out, kv(c).put(r.arg(1), Record.string(value, now, 0), c.consistency()), (v, w) -> w.ok());
            return;
        }
        SetOptions o = SetOptions.parse(r, 3, true);
        if (o.error != null) {
            out.error(o.error);
            return;
        }
        // Validate the expiry before touching the key, as Redis does.
        o.deadline(c.server().clock().currentTimeMillis(), "set");
        if (o.error != null) {
            out.error(o.error);
            return;
        }
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            if (o.has(SetOptions.GET) && cur != null && !isString(cur)) {
                return Change.keep(Status.WRONGTYPE);
            }
            Object ok = o.has(SetOptions.GET) ? (cur == null ? Status.NIL : cur.payload()) : Status.OK;
            if ((o.has(SetOptions.NX) && cur != null) || (o.has(SetOptions.XX) && cur == null)) {
                return Change.keep(o.has(SetOptions.GET) ? ok : Status.NIL);
            }
            long deadline = o.deadline(now, "set");
            if (o.has(SetOptions.KEEPTTL) && cur != null) {
                deadline = cur.expireAtMillis();
            }
            return Change.put(Record.string(value, now, deadline), ok);
        }, c.consistency()), StringCommands::writeReply);
    }

    private static void writeReply(Object reply, RespWriter out) {
        if (reply instanceof byte[] b) {
            out.bulk(b);
        } else if (reply instanceof Long l) {
            out.integer(l);
        } else if (reply instanceof String s) {
            out.bulk(s);
        } else if (reply == Status.OK) {
            out.ok();
        } else if (reply == Status.NIL) {
            out.nullBulk();
        } else if (reply == Status.WRONGTYPE) {
            out.error(RedisErrors.WRONG_TYPE);
        } else if (reply == Status.NOT_INTEGER) {
            out.error(RedisErrors.NOT_INTEGER);
        } else if (reply == Status.OVERFLOW) {
            out.error(RedisErrors.OVERFLOW);
        } else if (reply == Status.NOT_FLOAT) {
            out.error(RedisErrors.NOT_FLOAT);
        } else if (reply == Status.NAN) {
            out.error(RedisErrors.NAN_OR_INFINITY);
        } else if (reply == Status.TOO_LONG) {
            out.error(RedisErrors.STRING_TOO_LONG);
        } else {
            throw new IllegalStateException("unexpected reply " + reply);
        }
    }

    private static void setnx(CommandContext c, Request r, RespWriter out) {
        byte[] value = r.arg(2);
        c.reply(out, kv(c).update(r.arg(1), (cur, now) ->
                cur != null ? Change.keep(0L) : Change.put(Record.string(value, now, 0), 1L), c.consistency()), (n, w) -> w.integer(n));
    }

    private static void setWithExpiry(CommandContext c, Request r, RespWriter out, long unitMillis) {
        String name = Args.lower(r.arg(0));
        long v;
        try {
            v = Args.parseLong(r.arg(2));
        } catch (Args.NotANumber e) {
            out.error(RedisErrors.NOT_INTEGER);
            return;
        }
        if (v <= 0 || (unitMillis == 1000 && v > Long.MAX_VALUE / 1000)) {
            out.error(RedisErrors.invalidExpireTime(name));
            return;
        }
        long relative = v * unitMillis;
        long start = c.server().clock().currentTimeMillis();
        if (relative + start <= 0) {
            out.error(RedisErrors.invalidExpireTime(name));
            return;
        }
        byte[] value = r.arg(3);
        c.reply(out, kv(c).put(r.arg(1), Record.string(value, start, start + relative), c.consistency()), (ok, w) -> w.ok());
    }

    private static void getset(CommandContext c, Request r, RespWriter out) {
        byte[] value = r.arg(2);
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            if (cur != null && !isString(cur)) {
                return Change.keep(Status.WRONGTYPE);
            }
            return Change.put(Record.string(value, now, 0), cur == null ? Status.NIL : cur.payload());
        }, c.consistency()), StringCommands::writeReply);
    }

    private static void getdel(CommandContext c, Request r, RespWriter out) {
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            if (cur == null) {
                return Change.keep(Status.NIL);
            }
            if (!isString(cur)) {
                return Change.keep(Status.WRONGTYPE);
            }
            return Change.delete(cur.payload());
        }, c.consistency()), StringCommands::writeReply);
    }

    private static void getex(CommandContext c, Request r, RespWriter out) {
        SetOptions o = SetOptions.parse(r, 2, false);
        if (o.error != null) {
            out.error(o.error);
            return;
        }
        o.deadline(c.server().clock().currentTimeMillis(), "getex");
        if (o.error != null) {
            out.error(o.error);
            return;
        }
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            if (cur == null) {
                return Change.keep(Status.NIL);
            }
            if (!isString(cur)) {
                return Change.keep(Status.WRONGTYPE);
            }
            if (o.has(SetOptions.PERSIST)) {
                return cur.hasExpiry() ? Change.put(cur.withExpiry(0, now), cur.payload()) : Change.keep(cur.payload());
            }
            if (o.expire != null) {
                long deadline = o.deadline(now, "getex");
                if (deadline < now) {
                    return Change.delete(cur.payload());
                }
                return Change.put(cur.withExpiry(deadline, now), cur.payload());
            }
            return Change.keep(cur.payload());
        }, c.consistency()), StringCommands::writeReply);
    }

    private static void mget(CommandContext c, Request r, RespWriter out) {
        List<CompletableFuture<Record>> reads = new ArrayList<>(r.argc() - 1);
        for (int i = 1; i < r.argc(); i++) {
            reads.add(kv(c).get(r.arg(i), c.consistency()));
        }
        c.reply(out, CompletableFuture.allOf(reads.toArray(new CompletableFuture[0])), (v, w) -> {
            w.arrayHeader(reads.size());
            for (CompletableFuture<Record> f : reads) {
                Record rec = f.join();
                if (rec == null || !isString(rec)) {
                    w.nullBulk();
                } else {
                    w.bulk(rec.encoded(), rec.payloadOffset(), rec.payloadLength());
                }
            }
        });
    }

    private static void mset(CommandContext c, Request r, RespWriter out) {
        if (r.argc() % 2 == 0) {
            out.error(RedisErrors.wrongArity("mset"));
            return;
        }
        // Not atomic across partitions (documented): each key is its own write.
        long now = c.server().clock().currentTimeMillis();
        List<CompletableFuture<Void>> writes = new ArrayList<>(r.argc() / 2);
        for (int i = 1; i < r.argc(); i += 2) {
            writes.add(kv(c).put(r.arg(i), Record.string(r.arg(i + 1), now, 0), c.consistency()));
        }
        c.reply(out, CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])), (v, w) -> w.ok());
    }

    /** Whether all keys fall in one partition (the unit of atomic multi-key commands). */
    static boolean samePartition(CommandContext c, List<byte[]> keys) {
        Partitioner p = c.server().partitioner();
        int first = p.partitionOf(keys.get(0));
        for (byte[] k : keys) {
            if (p.partitionOf(k) != first) {
                return false;
            }
        }
        return true;
    }

    private static void msetnx(CommandContext c, Request r, RespWriter out) {
        if (r.argc() % 2 == 0) {
            out.error(RedisErrors.wrongArity("msetnx"));
            return;
        }
        List<byte[]> keys = new ArrayList<>();
        for (int i = 1; i < r.argc(); i += 2) {
            keys.add(r.arg(i));
        }
        if (!samePartition(c, keys)) {
            out.error(RedisErrors.CROSSSLOT);
            return;
        }
        c.reply(out, kv(c).updateAll(keys, (current, now) -> {
            List<Change<Void>> changes = new ArrayList<>();
            boolean anyExists = current.stream().anyMatch(x -> x != null);
            for (int i = 0; i < current.size(); i++) {
                changes.add(anyExists ? Change.keep(null) : Change.put(Record.string(r.arg(2 + 2 * i), now, 0), null));
            }
            return new MultiKeyUpdate.Result<>(changes, anyExists ? 0L : 1L);
        }, c.consistency()), (n, w) -> w.integer(n));
    }

    private static void incrByArg(CommandContext c, Request r, RespWriter out, boolean negate) {
        long by;
        try {
            by = Args.parseLong(r.arg(2));
        } catch (Args.NotANumber e) {
            out.error(RedisErrors.NOT_INTEGER);
            return;
        }
        if (negate) {
            if (by == Long.MIN_VALUE) {
                out.error(RedisErrors.DECR_OVERFLOW);
                return;
            }
            by = -by;
        }
        incrBy(c, r.arg(1), by, out);
    }

    private static void incrBy(CommandContext c, byte[] key, long by, RespWriter out) {
        c.reply(out, kv(c).update(key, (cur, now) -> {
            long value = 0;
            if (cur != null) {
                if (!isString(cur)) {
                    return Change.keep(Status.WRONGTYPE);
                }
                try {
                    value = Args.parseLong(cur.encoded(), cur.payloadOffset(), cur.payloadLength());
                } catch (Args.NotANumber e) {
                    return Change.keep(Status.NOT_INTEGER);
                }
            }
            long next;
            try {
                next = Math.addExact(value, by);
            } catch (ArithmeticException e) {
                return Change.keep(Status.OVERFLOW);
            }
            long deadline = cur == null ? 0 : cur.expireAtMillis();
            return Change.put(Record.string(Args.ascii(next), now, deadline), next);
        }, c.consistency()), StringCommands::writeReply);
    }

    private static void incrByFloat(CommandContext c, Request r, RespWriter out) {
        // Redis checks the stored value before the increment; both report the same error.
        byte[] incrText = r.arg(2);
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            BigDecimal value = BigDecimal.ZERO;
            if (cur != null) {
                if (!isString(cur)) {
                    return Change.keep(Status.WRONGTYPE);
                }
                try {
                    value = Args.parseDecimal(cur.payload());
                } catch (Args.NotANumber e) {
                    return Change.keep(Status.NOT_FLOAT);
                }
            }
            BigDecimal by;
            try {
                by = Args.parseDecimal(incrText);
            } catch (Args.NotANumber e) {
                return Change.keep(Status.NOT_FLOAT);
            }
            // null is an infinity (accepted by strtold); any sum with one is inf or NaN.
            BigDecimal sum = value == null || by == null ? null : Args.addLongDouble(value, by);
            if (sum == null) {
                return Change.keep(Status.NAN);
            }
            String text = Args.formatHuman(sum);
            long deadline = cur == null ? 0 : cur.expireAtMillis();
            return Change.put(Record.string(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII), now, deadline), text);
        }, c.consistency()), StringCommands::writeReply);
    }

    private static void append(CommandContext c, Request r, RespWriter out) {
        byte[] add = r.arg(2);
        long max = c.server().config().getLong("proto-max-bulk-len");
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            if (cur == null) {
                return Change.put(Record.string(add, now, 0), (long) add.length);
            }
            if (!isString(cur)) {
                return Change.keep(Status.WRONGTYPE);
            }
            long total = (long) cur.payloadLength() + add.length;
            if (total > max) {
                return Change.keep(Status.TOO_LONG);
            }
            byte[] joined = new byte[(int) total];
            System.arraycopy(cur.encoded(), cur.payloadOffset(), joined, 0, cur.payloadLength());
            System.arraycopy(add, 0, joined, cur.payloadLength(), add.length);
            return Change.put(Record.string(joined, now, cur.expireAtMillis()), total);
        }, c.consistency()), StringCommands::writeReply);
    }

    private static void strlen(CommandContext c, Request r, RespWriter out) {
        c.reply(out, kv(c).get(r.arg(1), c.consistency()), (rec, w) -> {
            if (rec == null) {
                w.integer(0);
            } else if (!isString(rec)) {
                w.error(RedisErrors.WRONG_TYPE);
            } else {
                w.integer(rec.payloadLength());
            }
        });
    }

    private static void getrange(CommandContext c, Request r, RespWriter out) {
        long start;
        long end;
        try {
            start = Args.parseLong(r.arg(2));
            end = Args.parseLong(r.arg(3));
        } catch (Args.NotANumber e) {
            out.error(RedisErrors.NOT_INTEGER);
            return;
        }
        long first = start;
        long last = end;
        c.reply(out, kv(c).get(r.arg(1), c.consistency()), (rec, w) -> writeRange(rec, first, last, w));
    }

    private static void writeRange(Record rec, long start, long end, RespWriter out) {
        if (rec != null && !isString(rec)) {
            out.error(RedisErrors.WRONG_TYPE);
            return;
        }
        long len = rec == null ? 0 : rec.payloadLength();
        if (start < 0 && end < 0 && start > end) {
            out.bulk(new byte[0]);
            return;
        }
        if (start < 0) {
            start = len + start;
        }
        if (end < 0) {
            end = len + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (end < 0) {
            end = 0;
        }
        if (end >= len) {
            end = len - 1;
        }
        if (len == 0 || start > end) {
            out.bulk(new byte[0]);
            return;
        }
        out.bulk(rec.encoded(), rec.payloadOffset() + (int) start, (int) (end - start + 1));
    }

    private static void setrange(CommandContext c, Request r, RespWriter out) {
        long offset;
        try {
            offset = Args.parseLong(r.arg(2));
        } catch (Args.NotANumber e) {
            out.error(RedisErrors.NOT_INTEGER);
            return;
        }
        if (offset < 0) {
            out.error(RedisErrors.OFFSET_OUT_OF_RANGE);
            return;
        }
        byte[] patch = r.arg(3);
        long max = c.server().config().getLong("proto-max-bulk-len");
        c.reply(out, kv(c).update(r.arg(1), (cur, now) -> {
            if (cur != null && !isString(cur)) {
                return Change.keep(Status.WRONGTYPE);
            }
            int curLen = cur == null ? 0 : cur.payloadLength();
            if (patch.length == 0) {
                return Change.keep((long) curLen);
            }
            // Redis's checkStringLength: the sum may overflow for offsets near 2^63.
            if (offset > max - patch.length) {
                return Change.keep(Status.TOO_LONG);
            }
            int newLen = (int) Math.max(curLen, offset + patch.length);
            byte[] buf = new byte[newLen];
            if (cur != null) {
                System.arraycopy(cur.encoded(), cur.payloadOffset(), buf, 0, curLen);
            }
            System.arraycopy(patch, 0, buf, (int) offset, patch.length);
            long deadline = cur == null ? 0 : cur.expireAtMillis();
            return Change.put(Record.string(buf, now, deadline), (long) newLen);
        }, c.consistency()), StringCommands::writeReply);
    }
}
