// 128-bit identifiers (event ids, idempotency keys). Generation of random ids needs a source
// of randomness and so lives in the store; here are only the value and its text form.
#pragma once

#include <array>
#include <cstdint>
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

}  // namespace gaplog
