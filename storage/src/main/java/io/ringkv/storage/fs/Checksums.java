package io.ringkv.storage.fs;

import java.util.zip.CRC32C;

/** CRC32C over byte ranges (hardware-accelerated on x86 and ARM by the JDK). */
public final class Checksums {
    private Checksums() {}

    public static int crc32c(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
