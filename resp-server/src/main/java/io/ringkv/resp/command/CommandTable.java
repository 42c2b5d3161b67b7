package io.ringkv.resp.command;

import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import io.ringkv.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command table and dispatcher: finds a request's command (and subcommand), checks arity
 * and authentication in Redis's order, and runs the handler. The same table answers COMMAND
 * and will route reads and writes for the coordinator.
 */
public final class CommandTable {
    private static final Logger log = LoggerFactory.getLogger(CommandTable.class);

    private final Map<String, CommandSpec> commands = new LinkedHashMap<>();

    public CommandTable register(CommandSpec spec) {
        if (commands.putIfAbsent(spec.name(), spec) != null) {
            throw new IllegalStateException("command registered twice: " + spec.name());
        }
        return this;
    }

    public CommandSpec lookup(String lowerName) {
        return commands.get(lowerName);
    }

    public Collection<CommandSpec> all() {
        return Collections.unmodifiableCollection(commands.values());
    }

    public int size() {
        return commands.size();
    }

    /** Runs one request, writing exactly one reply. */
    public void dispatch(CommandContext ctx, Request req, RespWriter out) {
        String name = new String(req.arg(0), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        CommandSpec spec = commands.get(name);
        if (spec == null) {
            List<String> rest = new ArrayList<>();
            for (int i = 1; i < req.argc(); i++) {
                rest.add(req.argString(i));
            }
            out.error(RedisErrors.unknownCommand(req.argString(0), rest));
            return;
        }
        if (spec.isContainer() && !(req.argc() == 1 && spec.handler() != null)) {
            if (req.argc() < 2) {
                out.error(RedisErrors.wrongArity(spec.fullName()));
                return;
            }
            CommandSpec sub = spec.subcommands().get(Args.lower(req.arg(1)));
            if (sub == null) {
                out.error(RedisErrors.unknownSubcommand(req.argString(1), req.argString(0).toUpperCase(Locale.ROOT)));
                return;
            }
            spec = sub;
        }
        if (!spec.arityAccepts(req.argc())) {
            out.error(RedisErrors.wrongArity(spec.fullName()));
            return;
        }
        if (!ctx.authenticated() && !spec.has(CommandFlag.NO_AUTH)) {
            out.error(RedisErrors.NOAUTH);
            return;
        }
        ctx.lastCommand(spec.fullName());
        ctx.server().commandsProcessed().increment();
        try {
            spec.handler().execute(ctx, req, out);
        } catch (StorageException e) {
            log.error("storage failure running {}", spec.fullName(), e);
            out.error("ERR storage failure: " + e.getMessage());
        }
    }
}
