// The stored form of events: canonical Cap'n Proto messages of the schema domain/events.capnp.
//
// Stored bytes are the unit of the audit trail: the store keeps them verbatim and the Merkle
// tree hashes them as its leaves (SPEC §2), never a re-encoding. An auditor reads the same bytes
// with `capnp decode --flat events.capnp Event`.
//
// encode_event is deterministic and decode_event(encode_event(e)) == e. The converse does not
// hold byte for byte: Cap'n Proto's canonical form leaves room for bytes our model does not keep
// (unused padding bits, fields added by a newer schema), so two different stored byte strings
// may decode to equal events. That is harmless for the audit trail, which hashes the bytes.
//
// All functions are pure and thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "domain/event.h"
#include "domain/status.h"

namespace gaplog {

// Encodes an event as canonical Cap'n Proto (single segment, no framing, capnp::canonicalize):
// these bytes are what the store keeps and what the Merkle leaf hashes. Deterministic: equal
// events give equal bytes. Optional text left empty is stored as the empty string.
std::string encode_event(const Event& event);

// Decodes stored bytes. The input need not be aligned (it is copied into word-aligned memory
// when it is not 8-byte aligned). Rejects, with Status kCorruption and a message saying why:
// input whose length is not a non-zero multiple of 8, a malformed message (out-of-bounds
// pointers, wrong types, over the traversal limit derived from the size or nesting deeper than
// 64), a message that is not in canonical form, an id that is not 16 bytes, an unknown payload
// type and an enum value this build does not know. Never throws and never crashes on any input
// (allocation failure aside).
Result<Event> decode_event(std::string_view bytes);

// Decodes bytes read back from gaplog's own event log: everything decode_event checks except
// the canonical form. What protects stored bytes is the Merkle tree (verify recomputes every
// leaf), not a canonical check on every read, which costs about a third of a decode. Use
// decode_event for bytes from anywhere else (an imported bundle, a client).
Result<Event> decode_stored_event(std::string_view bytes);

// Cheap peek used by indexes: decodes only the envelope (seq, stream, version, id, recorded_at,
// occurred_at, actor) and leaves the payload default-constructed. It checks what it reads as
// decode_event does, but it does not check the canonical form nor read the payload, so bytes
// it accepts may still be rejected by decode_event (verify the log with decode_event).
Result<Event> decode_envelope(std::string_view bytes);

}  // namespace gaplog
