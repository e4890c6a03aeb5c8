#include "domain/uuid.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/uuid.hpp>

#include "domain/hex.h"

namespace gaplog {

std::string to_string(const Uuid& id) {
  const std::string h =
      to_hex(std::string_view(reinterpret_cast<const char*>(id.bytes.data()), 16));
  return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) +
         '-' + h.substr(20);
}

Result<Uuid> parse_uuid(std::string_view text) {
  auto bad = [&] {
    return invalid_argument(
        fmt::format("'{}' is not a UUID; use the form 123e4567-e89b-12d3-a456-426614174000",
                    text.substr(0, 40)));
  };
  if (text.size() != 36) return bad();
  std::string compact;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return bad();
    } else {
      compact += text[i];
    }
  }
  auto raw = from_hex(compact);
  if (!raw || raw->size() != 16) return bad();
  Uuid id;
  for (size_t i = 0; i < 16; ++i) id.bytes[i] = static_cast<uint8_t>((*raw)[i]);
  return id;
}

Uuid uuid_v5(const Uuid& name_space, std::string_view name) {
  boost::uuids::uuid ns;
  std::copy(name_space.bytes.begin(), name_space.bytes.end(), ns.begin());
  const boost::uuids::uuid named = boost::uuids::name_generator_sha1(ns)(name.data(), name.size());
  Uuid out;
  std::copy(named.begin(), named.end(), out.bytes.begin());
  return out;
}

}  // namespace gaplog
