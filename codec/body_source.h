// A stream of bytes produced piece by piece: response bodies that are never held in memory whole
// (evidence downloads, the audit bundle's archive).
//
// Thread-safety: one BodySource belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <string>

#include "domain/status.h"

namespace gaplog {

// A response body produced piece by piece (evidence downloads), so that large files are never
// held in memory.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Up to `max` bytes; empty at the end. An error mid-way means the response is cut short
  // (the transport closes the connection).
  virtual Result<std::string> next(size_t max) = 0;
};

}  // namespace gaplog
