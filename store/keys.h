// The layout of the event log in RocksDB (one column family, one-byte key prefixes).
//
//   'E' seq:be64                      -> canonical Cap'n Proto bytes of the event (the leaf),
//                                        then its 32-byte Merkle leaf hash
//   'S' stream '\0' version:be32      -> seq:be64          (stream index, written behind the
//                                                          log: see 'X')
//   'X'                               -> seq:be64          (the stream index holds every event
//                                                          up to this seq; later ones are
//                                                          indexed from the 'E' keys on open)
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
// The previous layout, which wrote the stream index in the append's own batch (so it had no
// 'X'); opening such a log adds 'X' and the new version.
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
