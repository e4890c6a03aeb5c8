// The one seam through which the store touches the file system.
//
// Every file the store writes or reads — the RocksDB files of the event log, evidence blobs,
// the signing key — goes through a FileSystem, so that a test can substitute one that fails a
// write or a sync at a chosen moment (FaultInjectingFileSystem) and exercise the production
// write path rather than a mock. Paths are plain strings; all calls are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace rocksdb {
class FileSystem;
}

namespace gaplog {

// A file being written. Not thread-safe; owned by one writer.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status append(std::string_view bytes) = 0;
  virtual Status sync() = 0;  // data and metadata reach stable storage (fsync)
  virtual Status close() = 0;
};

// A file being read sequentially. Not thread-safe.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to `max` bytes; an empty result means end of file.
  virtual Result<std::string> read(size_t max) = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Status create_dirs(const std::string& path) = 0;
  // Creates a new file (fails if it exists) with the given permission bits.
  virtual Result<std::unique_ptr<WritableFile>> create_file(const std::string& path,
                                                            unsigned mode) = 0;
  virtual Result<std::unique_ptr<ReadableFile>> open_file(const std::string& path) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  // fsyncs a directory so that a rename or creation in it is durable.
  virtual Status sync_dir(const std::string& path) = 0;
  virtual Status remove(const std::string& path) = 0;
  virtual Result<bool> exists(const std::string& path) = 0;
  virtual Result<uint64_t> file_size(const std::string& path) = 0;
  virtual Result<std::vector<std::string>> list_dir(const std::string& path) = 0;

  // The same file system as RocksDB sees it; the event log opens its database through this.
  virtual std::shared_ptr<rocksdb::FileSystem> rocksdb_file_system() = 0;
};

// The real thing (POSIX).
std::unique_ptr<FileSystem> make_posix_file_system();

// Convenience built on the seam: the whole content of a (small) file.
Result<std::string> read_whole_file(FileSystem& fs, const std::string& path);
// Writes `bytes` to `path` durably: temp file, fsync, rename, fsync of the directory.
Status write_file_atomically(FileSystem& fs, const std::string& path, std::string_view bytes,
                             unsigned mode);

// Wraps another FileSystem and fails writes or syncs on demand — for RocksDB's files too.
// Switches are atomic and may be flipped while other threads write.
class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem& base);
  ~FaultInjectingFileSystem() override;

  // While set, every append (write) fails with an I/O error.
  void set_fail_writes(bool fail) { faults_->fail_writes.store(fail); }
  // While set, every sync fails with an I/O error.
  void set_fail_syncs(bool fail) { faults_->fail_syncs.store(fail); }
  // Every sync first sleeps this long (a slow disk), so tests can make writers pile up.
  void set_sync_delay(std::chrono::microseconds d) { faults_->sync_delay_us.store(d.count()); }
  // Counts of syncs that reached the base file system (tests use it to see group commit).
  uint64_t syncs() const { return faults_->syncs.load(); }

  Status create_dirs(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> create_file(const std::string& path,
                                                    unsigned mode) override;
  Result<std::unique_ptr<ReadableFile>> open_file(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status sync_dir(const std::string& path) override;
  Status remove(const std::string& path) override;
  Result<bool> exists(const std::string& path) override;
  Result<uint64_t> file_size(const std::string& path) override;
  Result<std::vector<std::string>> list_dir(const std::string& path) override;
  std::shared_ptr<rocksdb::FileSystem> rocksdb_file_system() override;

  struct Faults {
    std::atomic<bool> fail_writes{false};
    std::atomic<bool> fail_syncs{false};
    std::atomic<uint64_t> syncs{0};
    std::atomic<int64_t> sync_delay_us{0};
    // Applies the switches to one sync: sleeps, then says whether it must fail.
    bool sync_fails();
  };

 private:
  FileSystem& base_;
  std::shared_ptr<Faults> faults_;
  std::shared_ptr<rocksdb::FileSystem> rocks_;
};

}  // namespace gaplog
