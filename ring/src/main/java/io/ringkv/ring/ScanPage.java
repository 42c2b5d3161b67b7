package io.ringkv.ring;

import java.util.List;

/** One page of a SCAN: the keys found and the cursor to continue from (0 = done). */
public record ScanPage(long nextCursor, List<byte[]> keys) {}
