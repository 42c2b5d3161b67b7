package io.ringkv.resp.command;

import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;

/** Executes one command, writing exactly one reply to {@code out}. */
@FunctionalInterface
public interface CommandHandler {
    void execute(CommandContext ctx, Request req, RespWriter out);
}
