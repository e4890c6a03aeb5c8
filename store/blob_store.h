// Evidence bytes, kept forever and addressed by their SHA-256.
//
// An upload streams into a temporary file while hashing, is fsynced, then renamed to
// <dir>/<first two hex digits>/<sha256> (and the directory fsynced), so a blob is either
// wholly present or absent after a crash. The same bytes are stored once. Uploads larger than
// the limit are refused as the bytes arrive (kTooLarge) without keeping anything. Reads check
// the hash: a blob whose bytes no longer match its name is reported as kCorruption.
//
// Thread-safety: the store may be shared; each Upload and Reader belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "store/file_system.h"
#include "store/sha256.h"

namespace gaplog {

struct BlobInfo {
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
};

class BlobStore {
 public:
  // `fs` is borrowed and must outlive the store. `dir` is created if missing.
  static Result<std::unique_ptr<BlobStore>> open(FileSystem& fs, std::string dir,
                                                 uint64_t max_blob_bytes);

  class Upload {
   public:
    virtual ~Upload() = default;  // an unfinished upload leaves nothing behind
    // Fails with kTooLarge once the total exceeds the limit; the upload is then dead.
    virtual Status append(std::string_view bytes) = 0;
    virtual Result<BlobInfo> finish() = 0;
  };

  class Reader {
   public:
    virtual ~Reader() = default;
    // Up to `max` bytes; empty at the end. At the end the hash is checked and a mismatch
    // returns kCorruption instead of the empty string.
    virtual Result<std::string> read(size_t max) = 0;
    virtual uint64_t size() const = 0;
  };

  Result<std::unique_ptr<Upload>> begin_upload();
  Result<BlobInfo> put(std::string_view bytes);
  Result<std::unique_ptr<Reader>> open_blob(std::string_view sha256_hex);
  // The whole blob, hash checked.
  Result<std::string> get(std::string_view sha256_hex);
  // Re-hashes a stored blob; kCorruption if it does not match, kNotFound if absent.
  Status check(std::string_view sha256_hex);
  Result<bool> contains(std::string_view sha256_hex);
  uint64_t max_blob_bytes() const { return max_bytes_; }

 private:
  BlobStore(FileSystem& fs, std::string dir, uint64_t max_bytes)
      : fs_(fs), dir_(std::move(dir)), max_bytes_(max_bytes) {}
  Result<std::string> path_of(std::string_view sha256_hex) const;

  FileSystem& fs_;
  std::string dir_;
  uint64_t max_bytes_;
};

}  // namespace gaplog
