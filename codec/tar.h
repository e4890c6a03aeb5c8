// POSIX ustar archives (POSIX.1-2001 pax "ustar" format), as the audit bundle uses them: written
// deterministically and read back strictly.
//
// The writer side is a set of pure functions: an archive is tar_header(name, size, mtime), the
// `size` bytes of the member, tar_padding(size) zero bytes, and so on, ended by tar_end(). Every
// member is a regular file with mode 0644, owner and group 0 and empty owner names, so the same
// contents and mtime always give the same bytes. Sizes of 8 GiB and more use the base-256 size
// field that GNU tar and bsdtar read.
//
// The reader indexes an archive without loading it: tar_index() lists every member with its
// offset, checking each header's magic and checksum and refusing anything but regular files,
// names that are absolute or contain "..", and duplicate names.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace gaplog {

inline constexpr uint64_t kTarBlock = 512;

// The 512-byte header of a regular file. `name` must be at most 100 bytes of printable ASCII
// (kInvalidArgument otherwise).
Result<std::string> tar_header(std::string_view name, uint64_t size, int64_t mtime_seconds);
// Zero bytes that follow a member of `size` bytes, up to the next block.
uint64_t tar_padding(uint64_t size);
// Header, content and padding of a member of `size` bytes.
uint64_t tar_member_bytes(uint64_t size);
// The end of an archive: two zero blocks.
std::string tar_end();

struct TarMember {
  std::string name;
  uint64_t offset = 0;  // of the first content byte
  uint64_t size = 0;
  int64_t mtime = 0;
};

// Lists the members of the archive read from `in` (which must be seekable). kCorruption, with
// the member and what is wrong, for a damaged or unsupported archive.
Result<std::vector<TarMember>> tar_index(std::istream& in);

}  // namespace gaplog
