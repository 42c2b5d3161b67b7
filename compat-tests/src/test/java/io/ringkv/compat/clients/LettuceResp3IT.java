package io.ringkv.compat.clients;

import io.lettuce.core.protocol.ProtocolVersion;

/** The Lettuce suite over RESP3. */
class LettuceResp3IT extends LettuceSuite {
    @Override
    ProtocolVersion protocol() {
        return ProtocolVersion.RESP3;
    }
}
