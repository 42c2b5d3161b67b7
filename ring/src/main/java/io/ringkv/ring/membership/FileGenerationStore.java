package io.ringkv.ring.membership;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A {@link GenerationStore} kept in one small file ({@value #FILE_NAME}, the decimal generation)
 * in the node's data directory. Each new generation is written to a temporary file, fsynced,
 * renamed over the old one and the directory fsynced, so a crash at any moment leaves either
 * the old or the new generation, never a torn file. A file that cannot be parsed is an error
 * (the operator decides), not silently restarted from the clock.
 */
public final class FileGenerationStore implements GenerationStore {
    public static final String FILE_NAME = "gossip-generation";
    private static final String TEMP_NAME = FILE_NAME + ".tmp";
    /** The file holds one decimal long; anything longer is not ours. */
    private static final long FILE_BYTES_MAX = 64;

    private final Path directory;

    public FileGenerationStore(Path directory) {
        this.directory = directory;
    }

    @Override
    public synchronized long next(long nowSeconds) {
        try {
            Files.createDirectories(directory);
            long stored = read();
            long next = stored < 0 ? nowSeconds : Math.max(nowSeconds, stored + 1);
            write(next);
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist the gossip generation in " + directory, e);
        }
    }

    /** The stored generation, or -1 if there is none. */
    long read() throws IOException {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return -1;
        }
        if (Files.size(file) > FILE_BYTES_MAX) {
            throw new IOException(file + " is larger than " + FILE_BYTES_MAX + " bytes: not a generation file");
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        try {
            long v = Long.parseLong(text);
            if (v < 0) {
                throw new IOException(file + " holds a negative generation: " + text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IOException(file + " does not hold a generation: '" + text + "'", e);
        }
    }

    private void write(long generation) throws IOException {
        Path temp = directory.resolve(TEMP_NAME);
        byte[] bytes = (generation + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        try {
            Files.move(temp, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + directory + " cannot rename atomically", e);
        }
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
