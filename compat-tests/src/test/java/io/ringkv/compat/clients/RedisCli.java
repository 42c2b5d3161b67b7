package io.ringkv.compat.clients;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code redis-cli} binary (Debian's redis-tools) as a child process with bounded
 * run time: one-shot commands, commands on stdin, {@code --pipe}, and an interactive session on
 * a pseudo-terminal made by util-linux {@code script} (TERM=dumb, so linenoise prints plain
 * prompts instead of querying the cursor position).
 */
public final class RedisCli {
    private static final long RUN_LIMIT_SECONDS = 60;

    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public List<String> lines() {
            String o = out();
            if (o.endsWith("\n")) {
                o = o.substring(0, o.length() - 1);
            }
            return o.isEmpty() ? List.of() : List.of(o.split("\n", -1));
        }
    }

    private RedisCli() {}

    static String executable(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    public static boolean available() {
        return executable("redis-cli") != null;
    }

    /** {@code redis-cli -h 127.0.0.1 -p PORT args...} with {@code stdin} (may be null: empty stdin). */
    public static Result run(int port, byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(executable("redis-cli"), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        return exec(cmd, stdin, Map.of());
    }

    /**
     * An interactive session: redis-cli on a pty (through {@code script}), fed {@code input}.
     * The pty echoes input and ends lines with CR LF; the result has CRs removed.
     */
    static Result interactive(int port, String input, String... args) throws IOException, InterruptedException {
        StringBuilder inner = new StringBuilder(executable("redis-cli")).append(" -h 127.0.0.1 -p ").append(port);
        for (String a : args) {
            inner.append(' ').append(a);
        }
        List<String> cmd = List.of(executable("script"), "-q", "-e", "-c", inner.toString(), "/dev/null");
        Result r = exec(cmd, input.getBytes(StandardCharsets.UTF_8), Map.of("TERM", "dumb"));
        String cleaned = r.out().replace("\r", "");
        return new Result(r.exitCode, cleaned.getBytes(StandardCharsets.UTF_8), r.stderr);
    }

    private static Result exec(List<String> cmd, byte[] stdin, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile("redis-cli", ".out");
        Path err = Files.createTempFile("redis-cli", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // The child may exit before reading all of stdin (e.g. on an error); its output says why.
            }
            if (!p.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("redis-cli did not finish in " + RUN_LIMIT_SECONDS + "s: " + cmd
                        + "\nstdout: " + Files.readString(out) + "\nstderr: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The RESP protocol file for {@code --pipe}: {@code count} SETs of mass:i = value-i. */
    static Path massInsertFile(int count) throws IOException {
        Path f = Files.createTempFile("mass-insert", ".resp");
        try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
            for (int i = 0; i < count; i++) {
                String k = "mass:" + i;
                String v = "value-" + i;
                o.write(("*3\r\n$3\r\nSET\r\n$" + k.length() + "\r\n" + k + "\r\n$" + v.length() + "\r\n" + v + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
        }
        return f;
    }
}
