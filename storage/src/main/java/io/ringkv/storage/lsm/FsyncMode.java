package io.ringkv.storage.lsm;

import java.util.Locale;

/** When WAL appends are fsynced, mirroring Redis's {@code appendfsync}. */
public enum FsyncMode {
    /** An acknowledged write has been fsynced (group commit shares one fsync among concurrent writers). */
    ALWAYS,
    /** A background task fsyncs the WAL once per second: a crash of the machine loses at most ~1 s. */
    EVERYSEC,
    /** The OS decides when to write back; a process crash loses nothing, a machine crash may. */
    NO;

    public static FsyncMode parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "always":
                return ALWAYS;
            case "everysec":
                return EVERYSEC;
            case "no":
                return NO;
            default:
                throw new IllegalArgumentException("fsync mode must be always, everysec or no: '" + s + "'");
        }
    }
}
