package io.ringkv.compat.clients;

import io.lettuce.core.protocol.ProtocolVersion;

/** The Lettuce suite over RESP2. */
class LettuceResp2IT extends LettuceSuite {
    @Override
    ProtocolVersion protocol() {
        return ProtocolVersion.RESP2;
    }
}
