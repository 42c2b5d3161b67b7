package io.ringkv.resp.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentDocTest {
    @Test
    void anArgumentCarriesTheTypeAfterItsName() {
        List<ArgumentDoc> args = ArgumentDoc.parseAll("key:key [partition:integer]");
        assertEquals("key", args.get(0).type());
        assertEquals("integer", args.get(1).type());
        assertEquals(true, args.get(1).optional());
    }

    /** redis-cli refused the whole COMMAND DOCS reply over "host:port:string" (type "port:string"). */
    @Test
    void anUnknownTypeIsRefusedWhenTheTableIsBuilt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArgumentDoc.parseAll("[host:port:string]"));
        assertEquals("unknown argument type 'port:string' in 'host:port:string'", e.getMessage());
    }
}
