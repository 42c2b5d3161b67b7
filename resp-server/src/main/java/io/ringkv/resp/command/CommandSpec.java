package io.ringkv.resp.command;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One entry of the command table: what dispatch, arity checking, {@code COMMAND INFO|DOCS} and
 * (later) the coordinator's read/write routing need to know about a command. Arity follows
 * Redis: positive = exact argument count (name included), negative = at least that many.
 * Keys are found at positions firstKey..lastKey (negative = from the end) every {@code step}.
 */
public final class CommandSpec {
    private final String name;
    private final String parentName;
    private final int arity;
    private final Set<CommandFlag> flags;
    private final int firstKey;
    private final int lastKey;
    private final int step;
    private final String group;
    private final String summary;
    private final String since;
    private final String complexity;
    private final String aclCategories;
    private final CommandHandler handler;
    private final java.util.List<ArgumentDoc> arguments;
    private final Map<String, CommandSpec> subcommands = new LinkedHashMap<>();

    private CommandSpec(Builder b, String parentName) {
        this.name = b.name;
        this.parentName = parentName;
        this.arity = b.arity;
        this.flags = b.flags;
        this.firstKey = b.firstKey;
        this.lastKey = b.lastKey;
        this.step = b.step;
        this.group = b.group;
        this.summary = b.summary;
        this.since = b.since;
        this.complexity = b.complexity;
        this.aclCategories = b.aclCategories;
        this.handler = b.handler;
        this.arguments = b.arguments == null ? java.util.List.of() : ArgumentDoc.parseAll(b.arguments);
        for (Builder sub : b.subcommands) {
            subcommands.put(sub.name, new CommandSpec(sub, b.name));
        }
    }

    public static Builder command(String name, int arity) {
        return new Builder(name, arity);
    }

    /** Lower-case name as used in COMMAND replies; "parent|sub" for subcommands. */
    public String fullName() {
        return parentName == null ? name : parentName + "|" + name;
    }

    public String name() {
        return name;
    }

    public int arity() {
        return arity;
    }

    public boolean arityAccepts(int argc) {
        return arity >= 0 ? argc == arity : argc >= -arity;
    }

    public Set<CommandFlag> flags() {
        return flags;
    }

    public boolean has(CommandFlag flag) {
        return flags.contains(flag);
    }

    public int firstKey() {
        return firstKey;
    }

    public int lastKey() {
        return lastKey;
    }

    public int step() {
        return step;
    }

    public String group() {
        return group;
    }

    public String summary() {
        return summary;
    }

    public String since() {
        return since;
    }

    public String complexity() {
        return complexity;
    }

    public String aclCategories() {
        return aclCategories;
    }

    public CommandHandler handler() {
        return handler;
    }

    /** The arguments after the command name, for COMMAND DOCS. */
    public java.util.List<ArgumentDoc> arguments() {
        return arguments;
    }

    public Map<String, CommandSpec> subcommands() {
        return subcommands;
    }

    public boolean isContainer() {
        return !subcommands.isEmpty();
    }

    /** Fluent description of a command, kept next to its handler. */
    public static final class Builder {
        private final String name;
        private final int arity;
        private final Set<CommandFlag> flags = EnumSet.noneOf(CommandFlag.class);
        private int firstKey;
        private int lastKey;
        private int step;
        private String group = "generic";
        private String summary = "";
        private String since = "1.0.0";
        private String complexity = "O(1)";
        private String aclCategories = "";
        private CommandHandler handler;
        private String arguments;
        private final java.util.List<Builder> subcommands = new java.util.ArrayList<>();

        private Builder(String name, int arity) {
            this.name = name;
            this.arity = arity;
        }

        public Builder flags(CommandFlag... fs) {
            flags.addAll(java.util.List.of(fs));
            return this;
        }

        public Builder keys(int first, int last, int step) {
            this.firstKey = first;
            this.lastKey = last;
            this.step = step;
            return this;
        }

        public Builder doc(String group, String since, String complexity, String summary) {
            this.group = group;
            this.since = since;
            this.complexity = complexity;
            this.summary = summary;
            return this;
        }

        public Builder acl(String categories) {
            this.aclCategories = categories;
            return this;
        }

        /** The argument synopsis in {@link ArgumentDoc}'s notation. */
        public Builder args(String synopsis) {
            this.arguments = synopsis;
            return this;
        }

        public Builder handler(CommandHandler h) {
            this.handler = h;
            return this;
        }

        public Builder sub(Builder sub) {
            sub.group = this.group;
            subcommands.add(sub);
            return this;
        }

        public CommandSpec build() {
            if (handler == null && subcommands.isEmpty()) {
                throw new IllegalStateException("command " + name + " has no handler");
            }
            return new CommandSpec(this, null);
        }
    }
}
