package io.ringkv.storage.version;

import java.nio.file.Path;

/** Names of the files in an engine directory and their parsing. */
public final class FileNames {
    public static final String CURRENT = "CURRENT";
    public static final String LOCK = "LOCK";

    public enum Kind { LOG, TABLE, MANIFEST, CURRENT, TEMP, LOCK, UNKNOWN }

    public record Parsed(Kind kind, long number) {}

    private FileNames() {}

    public static Path log(Path dir, long number) {
        return dir.resolve(String.format("%06d.log", number));
    }

    public static Path table(Path dir, long number) {
        return dir.resolve(String.format("%06d.sst", number));
    }

    public static String manifestName(long number) {
        return String.format("MANIFEST-%06d", number);
    }

    public static Path temp(Path dir, long number) {
        return dir.resolve(String.format("%06d.tmp", number));
    }

    public static Parsed parse(String name) {
        try {
            if (name.equals(CURRENT)) {
                return new Parsed(Kind.CURRENT, 0);
            }
            if (name.equals(LOCK)) {
                return new Parsed(Kind.LOCK, 0);
            }
            if (name.startsWith("MANIFEST-")) {
                return new Parsed(Kind.MANIFEST, Long.parseLong(name.substring(9)));
            }
            if (name.endsWith(".log")) {
                return new Parsed(Kind.LOG, Long.parseLong(name.substring(0, name.length() - 4)));
            }
            if (name.endsWith(".sst")) {
                return new Parsed(Kind.TABLE, Long.parseLong(name.substring(0, name.length() - 4)));
            }
            if (name.endsWith(".tmp")) {
                return new Parsed(Kind.TEMP, 0);
            }
        } catch (NumberFormatException e) {
            return new Parsed(Kind.UNKNOWN, 0);
        }
        return new Parsed(Kind.UNKNOWN, 0);
    }
}
