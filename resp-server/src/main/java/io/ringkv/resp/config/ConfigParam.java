package io.ringkv.resp.config;

import java.util.List;
import java.util.Locale;

/**
 * One configuration key: its name (as in YAML, {@code CONFIG GET} and, with '.' turned into
 * '-', the command-line flag), its type, default, whether {@code CONFIG SET} may change it at
 * run time, and a one-line description used by the example YAML and {@code --help}.
 */
public record ConfigParam(String name, Type type, String defaultValue, boolean mutable, List<String> choices, String description,
        long min, long max) {
    public enum Type { STRING, INT, BYTES, BOOL, ENUM }

    /** A parameter with no range beyond its type's (numbers: 0 and up). */
    public ConfigParam(String name, Type type, String defaultValue, boolean mutable, List<String> choices, String description) {
        this(name, type, defaultValue, mutable, choices, description, 0, Long.MAX_VALUE);
    }

    /** The same parameter limited to [min, max], with Redis's out-of-range message. */
    public ConfigParam range(long lo, long hi) {
        return new ConfigParam(name, type, defaultValue, mutable, choices, description, lo, hi);
    }

    public String flagName() {
        return "--" + name.replace('.', '-');
    }

    /** Validates and normalises a value to the form CONFIG GET prints. */
    public String normalise(String raw) {
        String v = raw.trim();
        return switch (type) {
            case STRING -> raw;
            case INT -> {
                long n;
                try {
                    n = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("argument couldn't be parsed into an integer");
                }
                yield Long.toString(inRange(n));
            }
            case BYTES -> Long.toString(inRange(parseBytes(v)));
            case BOOL -> {
                String l = v.toLowerCase(Locale.ROOT);
                if (l.equals("yes") || l.equals("true")) {
                    yield "yes";
                }
                if (l.equals("no") || l.equals("false")) {
                    yield "no";
                }
                throw new IllegalArgumentException("argument must be 'yes' or 'no'");
            }
            case ENUM -> {
                String l = v.toLowerCase(Locale.ROOT);
                if (!choices.contains(l)) {
                    throw new IllegalArgumentException("argument(s) must be one of the following: " + String.join(", ", choices));
                }
                yield l;
            }
        };
    }

    private long inRange(long n) {
        if (n < min || n > max) {
            throw new IllegalArgumentException("argument must be between " + min + " and " + max + " inclusive");
        }
        return n;
    }

    /** Redis's memtoll: 1k = 1000, 1kb = 1024, likewise m/mb and g/gb; plain numbers are bytes. */
    public static long parseBytes(String v) {
        String l = v.toLowerCase(Locale.ROOT);
        long mul = 1;
        String num = l;
        String[][] units = {{"gb", "1073741824"}, {"mb", "1048576"}, {"kb", "1024"}, {"g", "1000000000"}, {"m", "1000000"}, {"k", "1000"}, {"b", "1"}};
        for (String[] u : units) {
            if (l.endsWith(u[0])) {
                mul = Long.parseLong(u[1]);
                num = l.substring(0, l.length() - u[0].length());
                break;
            }
        }
        try {
            long n = Long.parseLong(num);
            if (n < 0) {
                throw new IllegalArgumentException("argument must be a memory value");
            }
            return Math.multiplyExact(n, mul);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("argument must be a memory value");
        }
    }
}
