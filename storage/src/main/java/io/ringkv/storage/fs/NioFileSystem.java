package io.ringkv.storage.fs;

import io.ringkv.storage.CorruptionException;
import io.ringkv.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The real file system through NIO channels. Writes are unbuffered: a returned append is in the OS page cache. */
public final class NioFileSystem implements FileSystem {

    @Override
    public WritableFile create(Path path) {
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            return new NioWritableFile(path, ch);
        } catch (IOException e) {
            throw new StorageException("cannot create " + path + ": " + e, e);
        }
    }

    @Override
    public ReadableFile openRead(Path path) {
        try {
            return new NioReadableFile(path, FileChannel.open(path, StandardOpenOption.READ));
        } catch (IOException e) {
            throw new StorageException("cannot open " + path + ": " + e, e);
        }
    }

    @Override
    public void rename(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StorageException("cannot rename " + from + " to " + to + ": " + e, e);
        }
    }

    @Override
    public void delete(Path path) {
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + path + ": " + e, e);
        }
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> out = new ArrayList<>();
            s.forEach(p -> out.add(p.getFileName().toString()));
            return out;
        } catch (IOException e) {
            throw new StorageException("cannot list " + dir + ": " + e, e);
        }
    }

    @Override
    public void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("cannot create directory " + dir + ": " + e, e);
        }
    }

    @Override
    public void syncDirectory(Path dir) {
        // On Linux a directory can be opened read-only and fsynced; that makes renames durable.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot fsync directory " + dir + ": " + e, e);
        }
    }

    @Override
    public long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new StorageException("cannot stat " + path + ": " + e, e);
        }
    }

    @Override
    public FileLockHandle lock(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException("cannot open lock file " + path + ": " + e, e);
        }
        java.nio.channels.FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            closeAfterFailure(ch, e);
            throw new StorageException("cannot lock " + path + ": " + e, e);
        }
        if (lock == null) {
            closeAfterFailure(ch, null);
            throw new StorageException(path.getParent() + " is in use by another engine (lock held on " + path + ")");
        }
        java.nio.channels.FileLock held = lock;
        return () -> {
            try {
                held.release();
                ch.close();
            } catch (IOException e) {
                throw new StorageException("cannot release lock " + path + ": " + e, e);
            }
        };
    }

    private static void closeAfterFailure(FileChannel ch, Exception cause) {
        try {
            ch.close();
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    @Override
    public void truncate(Path path, long size) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot truncate " + path + ": " + e, e);
        }
    }

    private static final class NioWritableFile implements WritableFile {
        private final Path path;
        private final FileChannel ch;
        private long size;

        NioWritableFile(Path path, FileChannel ch) {
            this.path = path;
            this.ch = ch;
        }

        @Override
        public void append(byte[] bytes, int offset, int length) {
            ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
            try {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            } catch (IOException e) {
                throw new StorageException("write to " + path + " failed: " + e, e);
            } finally {
                size += length - buf.remaining();
            }
        }

        @Override
        public void sync() {
            try {
                ch.force(false);
            } catch (IOException e) {
                throw new StorageException("fsync of " + path + " failed: " + e, e);
            }
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException e) {
                throw new StorageException("close of " + path + " failed: " + e, e);
            }
        }
    }

    private static final class NioReadableFile implements ReadableFile {
        private final Path path;
        private final FileChannel ch;
        private final long size;

        NioReadableFile(Path path, FileChannel ch) throws IOException {
            this.path = path;
            this.ch = ch;
            this.size = ch.size();
        }

        @Override
        public void readFully(long position, byte[] dst, int offset, int length) {
            if (position < 0 || position + length > size) {
                throw new CorruptionException("read of " + length + " bytes at " + position + " past end of " + path
                        + " (" + size + " bytes)");
            }
            ByteBuffer buf = ByteBuffer.wrap(dst, offset, length);
            try {
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, position + buf.position() - offset);
                    if (n < 0) {
                        throw new CorruptionException("unexpected end of " + path + " at " + position);
                    }
                }
            } catch (IOException e) {
                throw new StorageException("read of " + path + " failed: " + e, e);
            }
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException e) {
                throw new StorageException("close of " + path + " failed: " + e, e);
            }
        }
    }
}
