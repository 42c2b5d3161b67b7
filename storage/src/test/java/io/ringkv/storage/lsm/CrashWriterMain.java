package io.ringkv.storage.lsm;

import io.ringkv.common.Bytes;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.WriteBatch;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Random;

/**
 * Child process for {@link CrashRecoveryTest}: writes with {@link FsyncMode#ALWAYS} until
 * killed, printing each acknowledged write ("p KEY" for a put, "b ID" for a three-key batch)
 * only after the engine returned. Small memtables make flushes and compactions run while the
 * kill lands.
 */
public final class CrashWriterMain {
    private CrashWriterMain() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        String prefix = args[1];
        long seed = Long.parseLong(args[2]);
        Random random = new Random(seed);
        LsmOptions options = LsmOptions.builder()
                .fsyncMode(FsyncMode.ALWAYS)
                .memtableBytesMax(48 << 10)
                .blockBytes(1024)
                .targetFileBytes(32 << 10)
                .levelBaseBytes(128 << 10)
                .levelMultiplier(4)
                .l0CompactionTrigger(2)
                .build();
        PrintStream out = System.out;
        LsmEngine engine = LsmEngine.open(dir, options, EntryFilter.KEEP_ALL);
        out.println("open");
        out.flush();
        for (long n = 0; ; n++) {
            byte[] value = new byte[16 + random.nextInt(200)];
            random.nextBytes(value);
            if (random.nextInt(4) == 0) {
                String id = prefix + "-" + n;
                byte[] v = Bytes.utf8("batch-" + id);
                engine.write(new WriteBatch().put(Bytes.utf8("b/" + id + "/0"), v).put(Bytes.utf8("b/" + id + "/1"), v)
                        .put(Bytes.utf8("b/" + id + "/2"), v));
                out.println("b " + id);
            } else {
                String key = "p/" + prefix + "-" + n;
                engine.put(Bytes.utf8(key), Bytes.utf8("v-" + key));
                out.println("p " + key);
            }
            out.flush();
        }
    }
}
