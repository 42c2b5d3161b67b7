package io.ringkv.ring.version;

import io.ringkv.ring.Record;

/** One sibling: a value (or tombstone) and the dot of the write that made it. */
public record Version(Dot dot, Record record) {}
