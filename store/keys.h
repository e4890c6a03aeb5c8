// The layout of the event log in RocksDB (one-byte key prefixes). In the log's database:
//
//   'E' seq:be64                      -> canonical Cap'n Proto bytes of the event (the leaf),
//                                        then its 32-byte Merkle leaf hash
//   'I' event-id:16                   -> seq:be64          (id index: ids given by the caller)
//   'O' occurred_at:be64* seq:be64    -> ""                (back-filled events only: occurred_at
//                                                          != recorded_at; *sign bit flipped)
//   'R' recorded_at:be64* first:be64  -> (from:be64 to:be64)*  (one per append group: the seq
//                                        runs of its events whose occurred_at == recorded_at)
//   'M' level:u8 index:be64           -> 32-byte hash      (complete Merkle subtrees of level
//                                                          >= kFirstStoredNodeLevel)
//   'T' tree_size:be64                -> timestamp:be64 root:32 signature (signed tree heads)
//   'H'                               -> last_seq:be64 last_recorded_at:be64, then the hashes of
//                                        the right edge's subtrees below kFirstStoredNodeLevel
//                                        (one per set bit of last_seq, lowest level first)
//   'F'                               -> layout version
//
// In the stream index's own database (<log>/stream-index), written behind the log:
//
//   'S' stream '\0' version:be32      -> seq:be64          (stream index)
//   'X'                               -> seq:be64          (the stream index holds every event
//                                                          up to this seq; later ones are
//                                                          indexed from the 'E' keys on open)
//
// Big-endian integers make RocksDB's byte order the numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/uuid.h"

namespace gaplog::keys {

inline void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
inline void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
inline uint64_t get_be64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(in[i]);
  return v;
}
// A seq as a value on its own ('S', 'I', 'X').
inline std::string seq_value(uint64_t seq) {
  std::string v;
  put_be64(v, seq);
  return v;
}
inline uint32_t get_be32(std::string_view in) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(in[i]);
  return v;
}

constexpr char kEvent = 'E';
constexpr char kStream = 'S';
constexpr char kId = 'I';
constexpr char kOccurred = 'O';
constexpr char kRecorded = 'R';
constexpr char kNode = 'M';

// Merkle subtrees below this level are not stored as keys: they are recomputed from the leaf
// hashes kept in the event values (at most 2^kFirstStoredNodeLevel - 1 of them per subtree).
constexpr unsigned kFirstStoredNodeLevel = 4;
constexpr size_t kLeafHashBytes = 32;
constexpr char kTreeHead = 'T';
constexpr char kHead = 'H';
// The layout version of the log, written when the log is created (docs/storage.md).
constexpr char kFormat = 'F';
constexpr std::string_view kFormatVersion = "gaplog-log-3";
// The previous layout, which kept the 'S' keys in the log's database, written in the append's
// own batch; opening such a log deletes them and indexes the log again in its own database.
constexpr std::string_view kPreviousFormatVersion = "gaplog-log-2";
inline std::string format() { return std::string(1, kFormat); }

inline std::string event(uint64_t seq) {
  std::string k(1, kEvent);
  put_be64(k, seq);
  return k;
}
inline std::string stream_prefix(std::string_view stream) {
  std::string k(1, kStream);
  k.append(stream);
  k.push_back('\0');
  return k;
}
// The keys [streams_begin(), streams_end()) are every 'S' key.
inline std::string streams_begin() { return std::string(1, kStream); }
inline std::string streams_end() { return std::string(1, kStream + 1); }
inline std::string stream(std::string_view stream, uint32_t version) {
  std::string k = stream_prefix(stream);
  put_be32(k, version);
  return k;
}
inline std::string id(const Uuid& id) {
  std::string k(1, kId);
  k.append(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  return k;
}
inline std::string occurred(int64_t micros, uint64_t seq) {
  std::string k(1, kOccurred);
  put_be64(k, static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63));
  put_be64(k, seq);
  return k;
}
inline std::string recorded(int64_t micros, uint64_t first_seq) {
  std::string k(1, kRecorded);
  put_be64(k, static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63));
  put_be64(k, first_seq);
  return k;
}
inline std::string node(unsigned level, uint64_t index) {
  std::string k(1, kNode);
  k.push_back(static_cast<char>(level));
  put_be64(k, index);
  return k;
}
inline std::string tree_head(uint64_t size) {
  std::string k(1, kTreeHead);
  put_be64(k, size);
  return k;
}
inline std::string head() { return std::string(1, kHead); }
constexpr char kIndexedThrough = 'X';
inline std::string indexed_through() { return std::string(1, kIndexedThrough); }

}  // namespace gaplog::keys
