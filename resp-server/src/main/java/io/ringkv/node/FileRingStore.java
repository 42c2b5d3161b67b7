package io.ringkv.node;

import io.ringkv.ring.membership.RingManager;
import io.ringkv.ring.partition.RingCodec;
import io.ringkv.ring.partition.RingSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last ring this node saw, in {@code <data-dir>/ring}: a restarted node starts from it
 * rather than from the seed list, which may describe a ring long gone. Written to a temporary
 * file, fsynced, then renamed over the old one, with a CRC32C so a torn or corrupt file is
 * noticed (and ignored with a warning: gossip brings the ring back from the peers).
 */
final class FileRingStore implements RingManager.RingStore {
    private static final Logger log = LoggerFactory.getLogger(FileRingStore.class);
    private static final String FILE_NAME = "ring";
    /** Present once this node was asked to leave (RING LEAVE); see {@link RingManager.RingStore}. */
    private static final String LEAVE_FILE_NAME = "leave-requested";
    private static final int CRC_BYTES = 4;

    private final Path file;
    private final Path leaveFile;

    FileRingStore(Path directory) {
        this.file = directory.resolve(FILE_NAME);
        this.leaveFile = directory.resolve(LEAVE_FILE_NAME);
    }

    @Override
    public boolean leaveRequested() {
        return Files.exists(leaveFile);
    }

    @Override
    public void requestLeave() {
        if (Files.exists(leaveFile)) {
            return;
        }
        try {
            Files.createFile(leaveFile);
            // The new directory entry must reach the disk before the leave starts.
            try (var dir = java.nio.channels.FileChannel.open(leaveFile.getParent(), java.nio.file.StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the leave request in " + leaveFile, e);
        }
    }

    @Override
    public Optional<RingSnapshot> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            byte[] all = Files.readAllBytes(file);
            if (all.length <= CRC_BYTES) {
                throw new IllegalArgumentException("file too short");
            }
            CRC32C crc = new CRC32C();
            crc.update(all, CRC_BYTES, all.length - CRC_BYTES);
            if ((int) crc.getValue() != ByteBuffer.wrap(all, 0, CRC_BYTES).getInt()) {
                throw new IllegalArgumentException("checksum mismatch");
            }
            byte[] body = new byte[all.length - CRC_BYTES];
            System.arraycopy(all, CRC_BYTES, body, 0, body.length);
            return Optional.of(RingCodec.decode(body));
        } catch (IOException | IllegalArgumentException e) {
            log.warn("ignoring the stored ring {} ({}); the ring comes from the seeds and gossip instead", file, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void save(RingSnapshot ring) {
        byte[] body = RingCodec.encode(ring);
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer out = ByteBuffer.allocate(CRC_BYTES + body.length);
        out.putInt((int) crc.getValue()).put(body);
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                out.flip();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the ring to " + file, e);
        }
    }
}
