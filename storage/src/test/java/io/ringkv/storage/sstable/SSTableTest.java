package io.ringkv.storage.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.Bytes;
import io.ringkv.storage.fs.NioFileSystem;
import io.ringkv.storage.fs.WritableFile;
import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SSTableTest {
    @TempDir
    Path dir;

    private static byte[] ik(int i, long seq) {
        return InternalKey.encode(Bytes.utf8(String.format("key%07d", i)), seq, InternalKey.TYPE_PUT);
    }

    @Test
    void bloomFilterWithTenBitsPerKeyHasAboutOnePercentFalsePositives() {
        int n = 20_000;
        long[] hashes = new long[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = BloomFilter.hash(Bytes.utf8("present-" + i));
        }
        byte[] filter = BloomFilter.build(hashes, n, 10);
        for (int i = 0; i < n; i++) {
            assertThat(BloomFilter.mayContain(filter, hashes[i])).isTrue();
        }
        int falsePositives = 0;
        for (int i = 0; i < n; i++) {
            if (BloomFilter.mayContain(filter, BloomFilter.hash(Bytes.utf8("absent-" + i)))) {
                falsePositives++;
            }
        }
        assertThat(falsePositives / (double) n).isLessThan(0.02);
    }

    @Test
    void tableRoundTripsEntriesWithAndWithoutCompression() {
        for (boolean compression : new boolean[] {false, true}) {
            Path p = dir.resolve("t" + compression + ".sst");
            NioFileSystem fs = new NioFileSystem();
            Random r = new Random(1);
            try (WritableFile f = fs.create(p)) {
                TableBuilder b = new TableBuilder(f, 1024, 10, compression);
                for (int i = 0; i < 5000; i++) {
                    byte[] v = new byte[r.nextInt(150)];
                    java.util.Arrays.fill(v, (byte) i);
                    b.add(ik(i, 10_000 - i), v);
                }
                b.finish();
                f.sync();
            }
            try (Table t = Table.open(1, p.toString(), fs.openRead(p), new BlockCache(1 << 20))) {
                assertThat(t.entries()).isEqualTo(5000);
                for (int i = 0; i < 5000; i += 37) {
                    byte[] uk = Bytes.utf8(String.format("key%07d", i));
                    byte[][] e = t.get(uk, BloomFilter.hash(uk), InternalKey.seekKey(uk, InternalKey.MAX_SEQUENCE));
                    assertThat(e).isNotNull();
                    assertThat(InternalKey.sequence(e[0])).isEqualTo(10_000 - i);
                }
                byte[] missing = Bytes.utf8("key9999999");
                assertThat(t.get(missing, BloomFilter.hash(missing), InternalKey.seekKey(missing, 1 << 20))).isNull();
                InternalIterator it = t.iterator(true);
                it.seek(ik(2500, InternalKey.MAX_SEQUENCE));
                int n = 0;
                for (; it.valid(); it.next()) {
                    n++;
                }
                assertThat(n).isEqualTo(2500);
            }
        }
    }
}
