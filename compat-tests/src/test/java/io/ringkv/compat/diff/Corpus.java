package io.ringkv.compat.diff;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A differential corpus file: blocks of commands, each block run on a fresh connection after
 * FLUSHALL. The format (also in {@code diff/README.md}):
 *
 * <pre>
 * # comment                       ignored, as are blank lines
 * === block name                  starts a block
 * SET k "a\x00b"                  a command, redis-cli quoting; replies compared byte for byte
 * &#64;sorted KEYS *                   compare after sorting arrays of scalars (hash-table order)
 * &#64;shape TIME                      compare types and sizes only (inherently different values)
 * &#64;approx 1500 PTTL k              integers may differ by the tolerance (clock skew)
 * &#64;mask id,version HELLO 3         named map fields not compared
 * &#64;inline SET k "a b"              the rest of the line is sent raw, plus CRLF (inline protocol)
 * &#64;raw "*1\r\n$4\r\nPING\r\n"      raw bytes (quoted), one reply; &#64;raw:N for N replies
 * &#64;closed                          both servers must have closed the connection; reconnect
 * &#64;pipeline ... &#64;end                commands between are sent in one write
 * &#64;repeat 100 INCR c               the command 100 times in one write
 * &#64;differs ID CMD [=> "reply"]      an intended difference (see IntendedDifference): not
 *                                 compared; RingKV's reply checked if given
 * &#64;knownbug WHERE CMD               a RingKV bug in code this suite's owners do not own, reported
 *                                 to its owner (WHERE): printed, and the line fails once the
 *                                 replies match, so it is turned back into a plain line
 * &#64;sleep 150                       pause (ms, at most 2000), for expiry
 * &#64;scanall COUNT 2 MATCH k*        a full SCAN iteration with these options on each server;
 *                                 the sets of keys returned (or the error) are compared
 * </pre>
 *
 * A file may start with {@code @@requirepass PASSWORD}: its blocks then run against servers
 * started with that password. An unquoted argument {@code %repeat:N:TEXT%} stands for TEXT repeated N times (big values).
 */
public final class Corpus {
    enum Mode { EXACT, SORTED, SHAPE, APPROX, MASK }

    enum Kind { COMMANDS, RAW, CLOSED, DIFFERS, KNOWN_BUG, SLEEP, SCAN_ALL }

    /** One command sent to both servers, and how its replies are compared. */
    record Command(byte[][] args, Mode mode, long tolerance, Set<String> maskFields) {
        String display() {
            StringBuilder sb = new StringBuilder();
            for (byte[] a : args) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(Reply.escape(a, 120));
            }
            return sb.toString();
        }
    }

    /** One line (or pipeline) of the corpus. */
    record Step(String file, int line, String source, Kind kind, List<Command> commands, byte[] raw, int replies,
            IntendedDifference difference, byte[] expectedRingKv, long sleepMillis) {
        String where() {
            return file + ":" + line;
        }
    }

    /** A file's blocks and the password its servers require (empty: none). */
    public record File(String name, String requirePass, List<Block> blocks) {}

    public record Block(String file, int line, String name, List<Step> steps) {
        public int commandCount() {
            int n = 0;
            for (Step s : steps) {
                n += s.kind() == Kind.COMMANDS ? s.commands().size() : (s.kind() == Kind.SLEEP ? 0 : 1);
            }
            return n;
        }
    }

    private static final Pattern REPEAT = Pattern.compile("%repeat:(\\d+):(.*)%");
    private static final int REPEAT_BYTES_MAX = 16 * 1024 * 1024;
    private static final long SLEEP_MILLIS_MAX = 2000;

    private Corpus() {}

    /** The corpus directory ({@code diff/} on the test class path). */
    public static Path directory() throws URISyntaxException {
        return Path.of(Corpus.class.getResource("/diff").toURI());
    }

    /** Every corpus file ({@code *.txt}), in name order. */
    public static List<Path> files() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(directory())) {
            return files.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
    }

    /**
     * Loads a corpus file. A line {@code @@requirepass PASSWORD} before the first block runs the
     * file against servers started with that password.
     */
    public static File loadFile(Path file) throws IOException {
        String requirePass = "";
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String t = l.strip();
            if (t.startsWith("=== ")) {
                break;
            }
            if (t.startsWith("@@requirepass ")) {
                requirePass = t.substring("@@requirepass ".length()).strip();
            }
        }
        return new File(file.getFileName().toString(), requirePass, load(file));
    }

    static List<Block> load(Path file) throws IOException {
        String name = file.getFileName().toString();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        List<Step> steps = null;
        List<Command> pipeline = null;
        int pipelineLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || (steps == null && line.startsWith("@@"))) {
                continue;
            }
            try {
                if (line.startsWith("=== ")) {
                    if (pipeline != null) {
                        throw new IllegalArgumentException("@pipeline not closed by @end");
                    }
                    steps = new ArrayList<>();
                    blocks.add(new Block(name, lineNo, line.substring(4).strip(), steps));
                    continue;
                }
                if (steps == null) {
                    throw new IllegalArgumentException("command before the first '=== block' header");
                }
                if (line.equals("@pipeline")) {
                    pipeline = new ArrayList<>();
                    pipelineLine = lineNo;
                    continue;
                }
                if (line.equals("@end")) {
                    if (pipeline == null || pipeline.isEmpty()) {
                        throw new IllegalArgumentException("@end without a non-empty @pipeline");
                    }
                    steps.add(new Step(name, pipelineLine, "@pipeline (" + pipeline.size() + " commands)", Kind.COMMANDS,
                            List.copyOf(pipeline), null, 0, null, null, 0));
                    pipeline = null;
                    continue;
                }
                if (pipeline != null) {
                    pipeline.add(parseCommand(line));
                    continue;
                }
                steps.add(parseStep(name, lineNo, line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ":" + lineNo + ": " + e.getMessage() + "\n  " + line, e);
            }
        }
        if (pipeline != null) {
            throw new IllegalArgumentException(name + ": @pipeline at line " + pipelineLine + " not closed by @end");
        }
        return blocks;
    }

    private static Step parseStep(String file, int lineNo, String line) {
        String word = line.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        String rest = line.length() > word.length() ? line.substring(word.length()).strip() : "";
        if (word.equals("@inline")) {
            byte[] raw = (rest + "\r\n").getBytes(StandardCharsets.UTF_8);
            return new Step(file, lineNo, line, Kind.RAW, List.of(), raw, 1, null, null, 0);
        }
        if (word.equals("@raw") || word.startsWith("@raw:")) {
            int replies = word.equals("@raw") ? 1 : Integer.parseInt(word.substring(5));
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            for (byte[] part : split(rest)) {
                raw.writeBytes(part);
            }
            return new Step(file, lineNo, line, Kind.RAW, List.of(), raw.toByteArray(), replies, null, null, 0);
        }
        if (word.equals("@closed")) {
            return new Step(file, lineNo, line, Kind.CLOSED, List.of(), null, 0, null, null, 0);
        }
        if (word.equals("@sleep")) {
            long ms = Long.parseLong(rest);
            if (ms < 0 || ms > SLEEP_MILLIS_MAX) {
                throw new IllegalArgumentException("@sleep must be within 0.." + SLEEP_MILLIS_MAX + " ms");
            }
            return new Step(file, lineNo, line, Kind.SLEEP, List.of(), null, 0, null, null, ms);
        }
        if (word.equals("@scanall")) {
            Command c = new Command(rest.isEmpty() ? new byte[0][] : args(rest), Mode.EXACT, 0, Set.of());
            return new Step(file, lineNo, line, Kind.SCAN_ALL, List.of(c), null, 0, null, null, 0);
        }
        if (word.equals("@repeat")) {
            String[] nr = rest.split("\\s+", 2);
            int n = Integer.parseInt(nr[0]);
            if (n < 1 || n > 100_000) {
                throw new IllegalArgumentException("@repeat count out of range");
            }
            Command c = parseCommand(nr[1]);
            List<Command> copies = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                copies.add(c);
            }
            return new Step(file, lineNo, line, Kind.COMMANDS, copies, null, 0, null, null, 0);
        }
        if (word.equals("@knownbug")) {
            String[] whereRest = rest.split("\\s+", 2);
            Command c = new Command(args(whereRest[1]), Mode.EXACT, 0, Set.of());
            return new Step(file, lineNo, line, Kind.KNOWN_BUG, List.of(c), null, 0, null, null, 0);
        }
        if (word.equals("@differs")) {
            String[] idRest = rest.split("\\s+", 2);
            IntendedDifference d = IntendedDifference.byId(idRest[0]);
            List<byte[]> args = split(idRest[1]);
            byte[] expected = null;
            int arrow = -1;
            for (int k = 0; k < args.size(); k++) {
                if (Arrays.equals(args.get(k), "=>".getBytes(StandardCharsets.US_ASCII))) {
                    arrow = k;
                }
            }
            if (arrow >= 0) {
                if (arrow != args.size() - 2) {
                    throw new IllegalArgumentException("'=>' must be followed by exactly one quoted reply");
                }
                expected = args.get(arrow + 1);
                args = args.subList(0, arrow);
            }
            Command c = new Command(args.toArray(new byte[0][]), Mode.EXACT, 0, Set.of());
            return new Step(file, lineNo, line, Kind.DIFFERS, List.of(c), null, 0, d, expected, 0);
        }
        return new Step(file, lineNo, line, Kind.COMMANDS, List.of(parseCommand(line)), null, 0, null, null, 0);
    }

    /** A command line, optionally prefixed by a comparison mode. */
    private static Command parseCommand(String line) {
        String[] wr = line.split("\\s+", 2);
        String word = wr[0].toLowerCase(Locale.ROOT);
        switch (word) {
            case "@sorted" -> {
                return new Command(args(wr[1]), Mode.SORTED, 0, Set.of());
            }
            case "@shape" -> {
                return new Command(args(wr[1]), Mode.SHAPE, 0, Set.of());
            }
            case "@approx" -> {
                String[] tr = wr[1].split("\\s+", 2);
                return new Command(args(tr[1]), Mode.APPROX, Long.parseLong(tr[0]), Set.of());
            }
            case "@mask" -> {
                String[] fr = wr[1].split("\\s+", 2);
                return new Command(args(fr[1]), Mode.MASK, 0, Set.of(fr[0].split(",")));
            }
            default -> {
                if (word.startsWith("@")) {
                    throw new IllegalArgumentException("unknown directive " + wr[0]);
                }
                return new Command(args(line), Mode.EXACT, 0, Set.of());
            }
        }
    }

    private static byte[][] args(String line) {
        List<byte[]> a = split(line);
        if (a.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        return a.toArray(new byte[0][]);
    }

    /**
     * Splits a line like redis-cli (Redis's sdssplitargs): whitespace-separated words;
     * "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' with \'.
     */
    static List<byte[]> split(String line) {
        byte[] s = line.getBytes(StandardCharsets.UTF_8);
        List<byte[]> out = new ArrayList<>();
        int p = 0;
        int n = s.length;
        while (true) {
            while (p < n && Character.isWhitespace(s[p])) {
                p++;
            }
            if (p >= n) {
                return out;
            }
            ByteArrayOutputStream cur = new ByteArrayOutputStream();
            boolean quoted = false;
            if (s[p] == '"') {
                quoted = true;
                p++;
                while (true) {
                    if (p >= n) {
                        throw new IllegalArgumentException("unbalanced double quote");
                    }
                    if (s[p] == '\\' && p + 3 < n && s[p + 1] == 'x' && isHex(s[p + 2]) && isHex(s[p + 3])) {
                        cur.write(Integer.parseInt(new String(s, p + 2, 2, StandardCharsets.US_ASCII), 16));
                        p += 4;
                    } else if (s[p] == '\\' && p + 1 < n) {
                        byte c = s[p + 1];
                        cur.write(switch (c) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> c;
                        });
                        p += 2;
                    } else if (s[p] == '"') {
                        p++;
                        break;
                    } else {
                        cur.write(s[p++]);
                    }
                }
            } else if (s[p] == '\'') {
                quoted = true;
                p++;
                while (true) {
                    if (p >= n) {
                        throw new IllegalArgumentException("unbalanced single quote");
                    }
                    if (s[p] == '\\' && p + 1 < n && s[p + 1] == '\'') {
                        cur.write('\'');
                        p += 2;
                    } else if (s[p] == '\'') {
                        p++;
                        break;
                    } else {
                        cur.write(s[p++]);
                    }
                }
            } else {
                while (p < n && !Character.isWhitespace(s[p])) {
                    cur.write(s[p++]);
                }
            }
            if (p < n && !Character.isWhitespace(s[p])) {
                throw new IllegalArgumentException("closing quote must be followed by a space");
            }
            byte[] word = cur.toByteArray();
            out.add(quoted ? word : expand(word));
        }
    }

    private static byte[] expand(byte[] word) {
        Matcher m = REPEAT.matcher(new String(word, StandardCharsets.UTF_8));
        if (!m.matches()) {
            return word;
        }
        int times = Integer.parseInt(m.group(1));
        byte[] unit = m.group(2).getBytes(StandardCharsets.UTF_8);
        if ((long) times * unit.length > REPEAT_BYTES_MAX) {
            throw new IllegalArgumentException("%repeat% value larger than " + REPEAT_BYTES_MAX + " bytes");
        }
        byte[] out = new byte[times * unit.length];
        for (int i = 0; i < times; i++) {
            System.arraycopy(unit, 0, out, i * unit.length, unit.length);
        }
        return out;
    }

    private static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
