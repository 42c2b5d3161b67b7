package io.ringkv.compat.harness;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A RingKV node in its own OS process, started through {@code bin/ringkv server} exactly as an
 * operator would, so tests can SIGKILL it, restart it on the same data dir, and exercise the
 * launcher. The repository root comes from the {@code ringkv.home} system property.
 */
public final class RingKvProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private RingKvProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static Path home() {
        return Path.of(System.getProperty("ringkv.home", "..")).toAbsolutePath().normalize();
    }

    /** Starts {@code bin/ringkv server --port P --bind 127.0.0.1 <args>}; waits until it answers. */
    public static RingKvProcess start(int port, String... args) throws IOException, InterruptedException {
        return start(port, Map.of(), args);
    }

    /**
     * As {@link #start(int, String...)}, with extra environment variables for the launcher
     * (e.g. {@code JAVA_OPTS}, which bin/ringkv passes to the JVM).
     */
    public static RingKvProcess start(int port, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ringkv-process", ".log");
        List<String> cmd = new ArrayList<>(List.of(home().resolve("bin/ringkv").toString(), "server",
                "--port", Integer.toString(port)));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home().toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        RingKvProcess r = new RingKvProcess(p, port, log);
        r.awaitListening();
        return r;
    }

    private void awaitListening() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
            if (!process.isAlive()) {
                break;
            }
        }
        String out = Files.readString(log);
        killHard();
        throw new IllegalStateException("ringkv did not start on port " + port + ":\n" + out);
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    /** The OS process id (bin/ringkv execs the JVM, so this is the server itself). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    /** Deletes the temporary output file of a process that has exited (after saving what is needed). */
    public void deleteOutput() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("the process is still running");
        }
        Files.deleteIfExists(log);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void killHard() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then wait for a clean exit. Returns the exit code. */
    public int terminate() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            killHard();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            killHard();
        }
    }
}
