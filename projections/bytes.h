// Little binary writer/reader for projection checkpoints. The reader checks every bound and
// reports a damaged or truncated checkpoint as kCorruption (the caller then rebuilds from the
// log); it never trusts a length it has not checked against what is left.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "domain/status.h"

namespace gaplog {

class ByteWriter {
 public:
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void pod(const T& v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void flag(bool b) { pod(static_cast<uint8_t>(b ? 1 : 0)); }
  void str(std::string_view s) {
    pod(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void strs(const std::vector<std::string>& v) {
    pod(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  template <typename T>
  requires std::is_trivially_copyable_v<T> Status pod(T& v) {
    if (in_.size() < sizeof v) return truncated();
    std::memcpy(&v, in_.data(), sizeof v);
    in_.remove_prefix(sizeof v);
    return Status::ok();
  }
  Status flag(bool& b) {
    uint8_t v = 0;
    GAPLOG_RETURN_IF_ERROR(pod(v));
    if (v > 1) return truncated();
    b = v == 1;
    return Status::ok();
  }
  Status str(std::string& s) {
    uint32_t n = 0;
    GAPLOG_RETURN_IF_ERROR(pod(n));
    if (in_.size() < n) return truncated();
    s.assign(in_.data(), n);
    in_.remove_prefix(n);
    return Status::ok();
  }
  Status strs(std::vector<std::string>& v) {
    uint32_t n = 0;
    GAPLOG_RETURN_IF_ERROR(count(n, 4));
    v.resize(n);
    for (auto& s : v) GAPLOG_RETURN_IF_ERROR(str(s));
    return Status::ok();
  }
  // A count of items of at least `min_item_bytes` each, checked against what is left.
  Status count(uint32_t& n, size_t min_item_bytes) {
    GAPLOG_RETURN_IF_ERROR(pod(n));
    if (static_cast<uint64_t>(n) * min_item_bytes > in_.size()) return truncated();
    return Status::ok();
  }
  bool done() const { return in_.empty(); }

 private:
  static Status truncated() {
    return corruption("the projection checkpoint is truncated or damaged");
  }
  std::string_view in_;
};

}  // namespace gaplog
