// 128-bit identifiers (event ids, idempotency keys, OSCAL uuids): the value, its text form, and
// the UUID versions that need no randomness. Ids drawn from a random source (versions 4 and 7)
// are made in the store (store/ids.h), since the domain does no I/O; the bit layouts are here.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace gaplog {

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  auto operator<=>(const Uuid&) const = default;
  bool is_nil() const { return *this == Uuid{}; }
};

// Canonical 8-4-4-4-12 lowercase hex; parsing accepts either case.
std::string to_string(const Uuid& id);
Result<Uuid> parse_uuid(std::string_view text);

// The name-based (version 5, SHA-1) UUID of `name` in `name_space` (RFC 9562 §5.5): the same
// name always gives the same id.
Uuid uuid_v5(const Uuid& name_space, std::string_view name);

// A time-ordered (version 7) UUID (RFC 9562 §5.7): `unix_ms` in the first 48 bits, then the
// version, then the 74 bits of `random` that the version and variant leave.
inline Uuid uuid_v7(uint64_t unix_ms, std::span<const uint8_t, 10> random) {
  Uuid id;
  for (int i = 0; i < 6; ++i) id.bytes[i] = static_cast<uint8_t>(unix_ms >> (40 - 8 * i));
  for (size_t i = 0; i < random.size(); ++i) id.bytes[6 + i] = random[i];
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x70);
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

// A custom (version 8) UUID (RFC 9562 §5.8) carrying the first 16 bytes of `bits`, less the
// version and variant bits: ids derived from a hash (the events of an idempotent write).
inline Uuid uuid_v8(std::span<const uint8_t> bits) {
  Uuid id;
  for (size_t i = 0; i < id.bytes.size() && i < bits.size(); ++i) id.bytes[i] = bits[i];
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x80);
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

}  // namespace gaplog
