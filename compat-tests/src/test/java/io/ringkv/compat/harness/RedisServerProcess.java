package io.ringkv.compat.harness;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, for differential tests: same commands to
 * Redis and to RingKV, replies compared byte for byte. Started with no persistence unless extra
 * arguments say otherwise; killed on close.
 */
public final class RedisServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private RedisServerProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Whether a redis-server binary is on the PATH (CI installs Debian's package). */
    public static boolean available() {
        return executable() != null;
    }

    private static String executable() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(d, "redis-server");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    public static RedisServerProcess start(String... extraArgs) throws IOException, InterruptedException {
        String exe = executable();
        if (exe == null) {
            throw new IllegalStateException("redis-server is not installed (apt-get install redis-server)");
        }
        int port = Ports.free();
        Path dir = Files.createTempDirectory("redis-diff");
        List<String> cmd = new ArrayList<>(List.of(exe, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        RedisServerProcess r = new RedisServerProcess(p, port, dir);
        r.awaitListening();
        return r;
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
            if (!process.isAlive()) {
                break;
            }
        }
        close();
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
