#include "store/ids.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <cassert>
#include <span>
#include <stdexcept>

namespace gaplog {

Uuid random_uuid() {
  boost::uuids::uuid drawn;
  try {
    drawn = boost::uuids::random_generator()();
  } catch (const boost::uuids::entropy_error& e) {
    throw std::runtime_error(
        fmt::format("no randomness available for a random UUID: {}", e.what()));
  }
  Uuid id;
  std::copy(drawn.begin(), drawn.end(), id.bytes.begin());
  return id;
}

Uuid time_ordered_uuid(Micros now) {
  TimeOrderedIds ids;
  return ids.next(now);
}

std::optional<uint64_t> seq_named_by_id(const Uuid& id) {
  if (id.bytes[6] >> 4 != 7 || id.bytes[8] >> 6 != 2) return std::nullopt;
  uint64_t seq = 0;
  for (size_t i = 10; i < 16; ++i) seq = seq << 8 | id.bytes[i];
  return seq;
}

Uuid TimeOrderedIds::next(Micros now) {
  if (used_ == kBlock) {
    if (source_) {
      source_(random_.data(), random_.size());
    } else if (RAND_bytes(random_.data(), static_cast<int>(random_.size())) != 1) {
      throw std::runtime_error("OpenSSL RAND_bytes failed: no randomness available");
    }
    used_ = 0;
  }
  const std::span<const uint8_t, 10> random(random_.data() + used_++ * 10, 10);
  return uuid_v7(static_cast<uint64_t>(std::max<Micros>(now, 0) / 1000), random);
}

Uuid TimeOrderedIds::next_naming(Micros now, uint64_t seq) {
  assert(seq <= kMaxSeqInGeneratedId);
  Uuid id = next(now);
  for (int i = 0; i < 6; ++i) id.bytes[10 + i] = static_cast<uint8_t>(seq >> (40 - 8 * i));
  return id;
}

}  // namespace gaplog
