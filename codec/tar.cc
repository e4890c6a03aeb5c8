#include "codec/tar.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace gaplog {
namespace {

// Field offsets and lengths of the ustar header.
constexpr size_t kName = 0, kNameLen = 100;
constexpr size_t kMode = 100, kUid = 108, kGid = 116;
constexpr size_t kSize = 124, kSizeLen = 12;
constexpr size_t kMtime = 136, kMtimeLen = 12;
constexpr size_t kChecksum = 148, kChecksumLen = 8;
constexpr size_t kTypeflag = 156;
constexpr size_t kMagic = 257, kVersion = 263;
constexpr size_t kPrefix = 345, kPrefixLen = 155;

// Octal digits, zero-padded to width - 1 and NUL-terminated.
void put_octal(std::string& h, size_t at, size_t width, uint64_t value) {
  const std::string digits = fmt::format("{:0{}o}", value, width - 1);
  h.replace(at, width - 1, digits);
  h[at + width - 1] = '\0';
}

uint64_t checksum_of(const std::string& h) {
  uint64_t sum = 0;
  for (size_t i = 0; i < kTarBlock; ++i) {
    const bool in_field = i >= kChecksum && i < kChecksum + kChecksumLen;
    sum += in_field ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum;
}

// A numeric field: octal digits (with optional spaces and NULs around them), or base-256 when
// the first byte has its high bit set.
Result<uint64_t> parse_number(std::string_view field, std::string_view what) {
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80)) {
    if (field[0] != static_cast<char>(0x80))
      return corruption(fmt::format("the {} field is negative", what));
    uint64_t v = 0;
    for (size_t i = 1; i < field.size(); ++i) {
      if (v >> 56) return corruption(fmt::format("the {} field is too large", what));
      v = (v << 8) | static_cast<unsigned char>(field[i]);
    }
    return v;
  }
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  uint64_t v = 0;
  bool any = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v >> 60) return corruption(fmt::format("the {} field is too large", what));
    v = v * 8 + static_cast<uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < field.size(); ++i) {
    if (field[i] != ' ' && field[i] != '\0')
      return corruption(fmt::format("the {} field is not an octal number", what));
  }
  if (!any) return corruption(fmt::format("the {} field is empty", what));
  return v;
}

std::string c_string(std::string_view field) {
  return std::string(field.substr(0, field.find('\0')));
}

bool safe_member_name(std::string_view name) {
  if (name.empty() || name.front() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (part == "..") return false;
    start = end + 1;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Result<std::string> tar_header(std::string_view name, uint64_t size, int64_t mtime_seconds) {
  if (name.empty() || name.size() > kNameLen || !safe_member_name(name)) {
    return invalid_argument(fmt::format(
        "a tar member name must be 1 to {} printable ASCII bytes without '..'", kNameLen));
  }
  std::string h(kTarBlock, '\0');
  h.replace(kName, name.size(), name);
  put_octal(h, kMode, 8, 0644);
  put_octal(h, kUid, 8, 0);
  put_octal(h, kGid, 8, 0);
  if (size < (uint64_t{1} << 33)) {
    put_octal(h, kSize, kSizeLen, size);
  } else {
    h[kSize] = static_cast<char>(0x80);
    for (size_t i = 0; i < 8; ++i)
      h[kSize + kSizeLen - 1 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  put_octal(h, kMtime, kMtimeLen, static_cast<uint64_t>(std::max<int64_t>(mtime_seconds, 0)));
  h[kTypeflag] = '0';
  h.replace(kMagic, 6, std::string_view("ustar\0", 6));
  h.replace(kVersion, 2, "00");
  const std::string sum = fmt::format("{:06o}", checksum_of(h));
  h.replace(kChecksum, 6, sum);
  h[kChecksum + 6] = '\0';
  h[kChecksum + 7] = ' ';
  return h;
}

uint64_t tar_padding(uint64_t size) { return (kTarBlock - size % kTarBlock) % kTarBlock; }

uint64_t tar_member_bytes(uint64_t size) { return kTarBlock + size + tar_padding(size); }

std::string tar_end() { return std::string(2 * kTarBlock, '\0'); }

Result<std::vector<TarMember>> tar_index(std::istream& in) {
  std::vector<TarMember> members;
  std::set<std::string> names;
  in.seekg(0, std::ios::end);
  const auto end = in.tellg();
  if (end < 0) return io_error("cannot seek in the archive");
  const uint64_t total = static_cast<uint64_t>(end);
  uint64_t at = 0;
  std::string h(kTarBlock, '\0');
  while (true) {
    if (at + kTarBlock > total) {
      return corruption(members.empty() ? "the file is not a tar archive (too short)"
                                        : "the archive is cut short: its end blocks are missing");
    }
    in.seekg(static_cast<std::streamoff>(at));
    if (!in.read(h.data(), kTarBlock))
      return io_error(fmt::format("cannot read the archive at byte {}", at));
    if (std::all_of(h.begin(), h.end(), [](char c) { return c == '\0'; })) break;  // end of archive
    const std::string where = members.empty()
                                  ? "the first header"
                                  : fmt::format("the header after {}", members.back().name);
    if (std::string_view(h).substr(kMagic, 5) != "ustar") {
      return corruption(fmt::format(
          "{} is not a ustar header: the file is not a tar archive or is damaged", where));
    }
    GAPLOG_ASSIGN_OR_RETURN(
        uint64_t stored_sum,
        parse_number(std::string_view(h).substr(kChecksum, kChecksumLen), "checksum"));
    if (stored_sum != checksum_of(h))
      return corruption(fmt::format("{} has a wrong checksum: the archive is damaged", where));
    TarMember m;
    m.name = c_string(std::string_view(h).substr(kName, kNameLen));
    const std::string prefix = c_string(std::string_view(h).substr(kPrefix, kPrefixLen));
    if (!prefix.empty()) m.name = prefix + "/" + m.name;
    const char type = h[kTypeflag];
    if (type == '5' && !m.name.empty() && m.name.back() == '/') {  // a directory: nothing to check
      at += kTarBlock;
      continue;
    }
    if (type != '0' && type != '\0') {
      return corruption(fmt::format("member {} is not a regular file (type '{}')", m.name, type));
    }
    if (!safe_member_name(m.name))
      return corruption(fmt::format("member name \"{}\" is unsafe", m.name));
    if (!names.insert(m.name).second)
      return corruption(fmt::format("member {} appears twice", m.name));
    GAPLOG_ASSIGN_OR_RETURN(m.size,
                            parse_number(std::string_view(h).substr(kSize, kSizeLen), "size"));
    GAPLOG_ASSIGN_OR_RETURN(uint64_t mtime,
                            parse_number(std::string_view(h).substr(kMtime, kMtimeLen), "mtime"));
    m.mtime = static_cast<int64_t>(std::min<uint64_t>(mtime, INT64_MAX));
    m.offset = at + kTarBlock;
    if (m.size > total - m.offset) return corruption(fmt::format("member {} is cut short", m.name));
    at = m.offset + m.size + tar_padding(m.size);
    members.push_back(std::move(m));
  }
  return members;
}

}  // namespace gaplog
