package io.ringkv.resp.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One argument of a command as COMMAND DOCS describes it (what redis-cli turns into its
 * {@code help} synopsis and typing hints), parsed from a compact synopsis such as
 * {@code "key:key value:string [condition:NX|XX] [GET] [expiration:EX seconds:integer|KEEPTTL]"}:
 *
 * <ul>
 *   <li>{@code name:type} — a typed argument (key, string, integer, double, pattern, unix-time);
 *   <li>{@code TOKEN name:type} — the same, introduced by a literal token;
 *   <li>{@code TOKEN} (upper case) — a pure token;
 *   <li>{@code [...]} — optional; {@code a|b|c} inside — one of; {@code name:} before the
 *       alternatives names the group;
 *   <li>{@code name:(...)} — a block of several arguments; a trailing {@code ...} — multiple.
 * </ul>
 */
public record ArgumentDoc(String name, String type, String token, boolean optional, boolean multiple, List<ArgumentDoc> children) {

    public static List<ArgumentDoc> parseAll(String synopsis) {
        List<ArgumentDoc> out = new ArrayList<>();
        for (String item : split(synopsis.trim(), ' ')) {
            out.add(parseItem(item));
        }
        return mergeTokens(out);
    }

    /** "EX seconds:integer" arrives as two items; fold a pure token into the typed argument after it. */
    private static List<ArgumentDoc> mergeTokens(List<ArgumentDoc> items) {
        List<ArgumentDoc> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            ArgumentDoc a = items.get(i);
            if (a.type.equals("pure-token") && !a.optional && !a.multiple && i + 1 < items.size()) {
                ArgumentDoc b = items.get(i + 1);
                if (b.token == null && !b.optional && !b.type.equals("pure-token") && !b.type.equals("oneof")) {
                    out.add(new ArgumentDoc(b.name, b.type, a.token, false, b.multiple, b.children));
                    i++;
                    continue;
                }
            }
            out.add(a);
        }
        return out;
    }

    /** Redis's argument types that carry a value (COMMAND DOCS); blocks, one-ofs and tokens are built apart. */
    private static final java.util.Set<String> VALUE_TYPES = java.util.Set.of("string", "integer", "double", "key", "pattern", "unix-time");

    private static ArgumentDoc parseItem(String item) {
        boolean multiple = false;
        if (item.endsWith("...")) {
            multiple = true;
            item = item.substring(0, item.length() - 3);
        }
        if (item.startsWith("[") && item.endsWith("]")) {
            ArgumentDoc inner = parseGroup(item.substring(1, item.length() - 1));
            return new ArgumentDoc(inner.name, inner.type, inner.token, true, multiple || inner.multiple, inner.children);
        }
        int colon = item.indexOf(':');
        if (colon > 0 && item.startsWith("(", colon + 1) && item.endsWith(")")) {
            List<ArgumentDoc> parts = parseAll(item.substring(colon + 2, item.length() - 1));
            return new ArgumentDoc(item.substring(0, colon), "block", null, false, multiple, parts);
        }
        if (colon > 0) {
            String type = item.substring(colon + 1);
            if (!VALUE_TYPES.contains(type)) {
                // redis-cli rejects the whole reply of COMMAND DOCS over one unknown type.
                throw new IllegalArgumentException("unknown argument type '" + type + "' in '" + item + "'");
            }
            return new ArgumentDoc(item.substring(0, colon), type, null, false, multiple, List.of());
        }
        return new ArgumentDoc(item.toLowerCase(Locale.ROOT), "pure-token", item, false, multiple, List.of());
    }

    /** The inside of brackets: alternatives, or one argument / token+argument / block. */
    private static ArgumentDoc parseGroup(String inside) {
        String groupName = null;
        int colon = inside.indexOf(':');
        List<String> alternatives = split(inside, '|');
        if (alternatives.size() > 1 && colon > 0 && colon < firstSpecial(inside)) {
            groupName = inside.substring(0, colon);
            alternatives = split(inside.substring(colon + 1), '|');
        }
        if (alternatives.size() > 1) {
            List<ArgumentDoc> options = new ArrayList<>();
            for (String alt : alternatives) {
                options.add(single(alt.trim()));
            }
            String name = groupName != null ? groupName : options.get(0).name;
            return new ArgumentDoc(name, "oneof", null, false, false, options);
        }
        return single(inside.trim());
    }

    private static ArgumentDoc single(String text) {
        List<ArgumentDoc> parts = parseAll(text);
        if (parts.size() == 1) {
            return parts.get(0);
        }
        String name = parts.get(0).token != null ? parts.get(0).token.toLowerCase(Locale.ROOT) : parts.get(0).name;
        return new ArgumentDoc(name, "block", null, false, false, parts);
    }

    private static int firstSpecial(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '|' || c == '[' || c == '(') {
                return i;
            }
        }
        return s.length();
    }

    /** Splits on {@code sep} outside brackets and parentheses. */
    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[' || c == '(') {
                depth++;
            } else if (c == ']' || c == ')') {
                depth--;
            } else if (c == sep && depth == 0) {
                if (i > start) {
                    out.add(s.substring(start, i));
                }
                start = i + 1;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }
}
