package io.ringkv.compat.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * RingKV's own commands (CAUSAL.*, CL, CONSISTENCY, RING) sent through Jedis's generic
 * {@code sendCommand}, and the decoding of their raw replies.
 */
final class JedisExtras {
    private JedisExtras() {}

    /** A command Jedis does not know, by name. */
    static ProtocolCommand command(String name) {
        byte[] raw = name.getBytes(StandardCharsets.US_ASCII);
        return () -> raw;
    }

    /** Sends {@code args[0] args[1..]} and returns Jedis's raw reply (byte[], Long, List, null). */
    static Object call(Jedis j, String... args) {
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        return j.sendCommand(command(args[0]), rest);
    }

    static String text(Object reply) {
        if (reply instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return reply == null ? null : reply.toString();
    }

    /** A flat reply of bulk strings (nested lists flattened one level are not expected). */
    static List<String> texts(Object reply) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) reply) {
            out.add(text(o));
        }
        return out;
    }

    /** A CAUSAL.GET reply: null (never written) or its context and values. */
    record Causal(String context, List<String> values) {}

    static Causal causalGet(Jedis j, String key) {
        return causal(call(j, "CAUSAL.GET", key));
    }

    static Causal causalGet(Jedis j, String level, String key) {
        return causal(call(j, "CL", level, "CAUSAL.GET", key));
    }

    private static Causal causal(Object reply) {
        if (reply == null) {
            return null;
        }
        List<?> parts = (List<?>) reply;
        if (parts.size() != 2) {
            throw new AssertionError("CAUSAL.GET answered " + parts.size() + " elements");
        }
        return new Causal(text(parts.get(0)), texts(parts.get(1)));
    }

    /** CAUSAL.SET key value [CONTEXT ctx]; returns the new context. */
    static String causalSet(Jedis j, String key, String value, String context) {
        Object r = context == null ? call(j, "CAUSAL.SET", key, value) : call(j, "CAUSAL.SET", key, value, "CONTEXT", context);
        return text(r);
    }

    /** The partition of a key and its preference list's node ids, from RING PREFLIST. */
    record PrefList(long partition, List<String> nodes) {}

    static PrefList prefList(Jedis j, String key) {
        List<?> r = (List<?>) call(j, "RING", "PREFLIST", key);
        List<String> ids = new ArrayList<>();
        for (String entry : texts(r.get(1))) {
            ids.add(entry.split(" ")[0]);
        }
        return new PrefList((Long) r.get(0), ids);
    }
}
