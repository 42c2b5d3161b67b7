package io.ringkv.compat.diff;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * One RESP2/RESP3 reply as a tree, parsed from the exact bytes a server sent, so the
 * differential runner can compare replies byte for byte and, where a corpus line asks for it,
 * after a documented normalisation (sorting, masking, shape only, integer tolerance).
 */
final class Reply {
    /** RESP type byte: + - : $ * _ , # ( = ! % ~ | >. */
    final char type;
    /** The header line after the type byte (length, integer, simple string text). */
    final String head;
    /** Payload of bulk-like types ($ = !); null otherwise or for null bulks. */
    final byte[] body;
    /** Elements of aggregates; maps and attributes hold key, value, key, value... */
    final List<Reply> children;

    private Reply(char type, String head, byte[] body, List<Reply> children) {
        this.type = type;
        this.head = head;
        this.body = body;
        this.children = children;
    }

    /** Parses exactly one reply that spans all of {@code raw}. */
    static Reply parse(byte[] raw) {
        int[] pos = {0};
        Reply r = parse(raw, pos);
        if (pos[0] != raw.length) {
            throw new IllegalArgumentException("trailing bytes after reply: " + escape(raw, 200));
        }
        return r;
    }

    private static Reply parse(byte[] raw, int[] pos) {
        int start = pos[0];
        int cr = start;
        while (cr + 1 < raw.length && !(raw[cr] == '\r' && raw[cr + 1] == '\n')) {
            cr++;
        }
        if (cr + 1 >= raw.length) {
            throw new IllegalArgumentException("truncated reply: " + escape(raw, 200));
        }
        char type = (char) raw[start];
        String head = new String(raw, start + 1, cr - start - 1, StandardCharsets.UTF_8);
        pos[0] = cr + 2;
        switch (type) {
            case '$', '=', '!' -> {
                int len = Integer.parseInt(head);
                if (len < 0) {
                    return new Reply(type, head, null, List.of());
                }
                byte[] body = Arrays.copyOfRange(raw, pos[0], pos[0] + len);
                pos[0] += len + 2;
                return new Reply(type, head, body, List.of());
            }
            case '*', '~', '>', '%', '|' -> {
                int n = Integer.parseInt(head);
                int elements = (type == '%' || type == '|') ? 2 * n : n;
                List<Reply> kids = new ArrayList<>();
                for (int i = 0; i < elements; i++) {
                    kids.add(parse(raw, pos));
                }
                return new Reply(type, head, null, kids);
            }
            default -> {
                return new Reply(type, head, null, List.of());
            }
        }
    }

    boolean isAggregate() {
        return "*~>%|".indexOf(type) >= 0 && !head.startsWith("-");
    }

    /** The reply serialised back to RESP (identical to the parsed bytes). */
    byte[] toBytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        write(b);
        return b.toByteArray();
    }

    private void write(ByteArrayOutputStream b) {
        b.write(type);
        b.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        b.write('\r');
        b.write('\n');
        if (body != null) {
            b.writeBytes(body);
            b.write('\r');
            b.write('\n');
        }
        for (Reply c : children) {
            c.write(b);
        }
    }

    /**
     * Sorts every aggregate whose elements are all scalars (KEYS, the key list inside a SCAN
     * reply), and the pairs of every map by key: for replies whose order Redis leaves to its
     * hash table, so only the set of elements is compared.
     */
    Reply sorted() {
        if (!isAggregate()) {
            return this;
        }
        List<Reply> kids = new ArrayList<>();
        for (Reply c : children) {
            kids.add(c.sorted());
        }
        Comparator<byte[]> cmp = Arrays::compare;
        if (type == '%') {
            List<Reply[]> pairs = new ArrayList<>();
            for (int i = 0; i < kids.size(); i += 2) {
                pairs.add(new Reply[] {kids.get(i), kids.get(i + 1)});
            }
            pairs.sort((x, y) -> cmp.compare(x[0].toBytes(), y[0].toBytes()));
            kids.clear();
            for (Reply[] p : pairs) {
                kids.add(p[0]);
                kids.add(p[1]);
            }
        } else if (kids.stream().noneMatch(Reply::isAggregate)) {
            kids.sort((x, y) -> cmp.compare(x.toBytes(), y.toBytes()));
        }
        return new Reply(type, head, body, kids);
    }

    /**
     * Keeps types, aggregate sizes and error texts but not scalar contents: for replies whose
     * values are inherently different between two servers (TIME, CLIENT ID, INFO).
     */
    Reply shape() {
        if (type == '-' || type == '!') {
            return this;
        }
        if (isAggregate()) {
            List<Reply> kids = new ArrayList<>();
            for (Reply c : children) {
                kids.add(c.shape());
            }
            return new Reply(type, head, null, kids);
        }
        if (body != null) {
            return new Reply(type, "?", "?".getBytes(StandardCharsets.US_ASCII), List.of());
        }
        if (type == '$' || type == '_') {
            return this;
        }
        return new Reply(type, "?", null, List.of());
    }

    /**
     * Replaces the values of the named fields of a map reply (RESP3 map, or RESP2 flat
     * key/value array) with "?": for HELLO, whose id and version fields differ by design.
     */
    Reply masked(Set<String> fields) {
        if (!(type == '%' || type == '*') || children.size() % 2 != 0) {
            return this;
        }
        List<Reply> kids = new ArrayList<>(children);
        for (int i = 0; i < kids.size(); i += 2) {
            Reply k = kids.get(i);
            String name = k.body != null ? new String(k.body, StandardCharsets.UTF_8) : k.head;
            if (fields.contains(name)) {
                kids.set(i + 1, new Reply('+', "?", null, List.of()));
            }
        }
        return new Reply(type, head, body, kids);
    }

    /** Equal, except integers may differ by at most {@code tolerance} (TTLs, timestamps). */
    boolean approximatelyEquals(Reply o, long tolerance) {
        if (type != o.type || children.size() != o.children.size()) {
            return false;
        }
        if (type == ':') {
            try {
                return Math.abs(Long.parseLong(head) - Long.parseLong(o.head)) <= tolerance;
            } catch (NumberFormatException e) {
                return head.equals(o.head);
            }
        }
        if (!head.equals(o.head) || !Arrays.equals(body, o.body)) {
            return false;
        }
        for (int i = 0; i < children.size(); i++) {
            if (!children.get(i).approximatelyEquals(o.children.get(i), tolerance)) {
                return false;
            }
        }
        return true;
    }

    /** Printable form of raw bytes: CR, LF, tab, quote and backslash escaped, others as \xHH. */
    static String escape(byte[] b, int maxBytes) {
        StringBuilder sb = new StringBuilder("\"");
        int n = Math.min(b.length, maxBytes);
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xFF;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c >= 0x20 && c < 0x7F) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        sb.append('"');
        if (b.length > n) {
            sb.append("...(").append(b.length).append(" bytes in all)");
        }
        return sb.toString();
    }
}
