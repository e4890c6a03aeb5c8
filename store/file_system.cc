#include "store/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <rocksdb/file_system.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace gaplog {
namespace {

Status errno_status(std::string_view what, const std::string& path) {
  return io_error(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status append(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("cannot write", path_);
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return Status::ok();
  }
  Status sync() override {
    if (::fsync(fd_) != 0) return errno_status("cannot fsync", path_);
    return Status::ok();
  }
  Status close() override {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return errno_status("cannot close", path_);
    return Status::ok();
  }

 private:
  int fd_;
  std::string path_;
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixReadableFile() override { ::close(fd_); }

  Result<std::string> read(size_t max) override {
    std::string buf(max, '\0');
    for (;;) {
      const ssize_t n = ::read(fd_, buf.data(), max);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("cannot read", path_);
      }
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
  }

 private:
  int fd_;
  std::string path_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status create_dirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return io_error(fmt::format("cannot create directory {}: {}", path, ec.message()));
    return Status::ok();
  }
  Result<std::unique_ptr<WritableFile>> create_file(const std::string& path,
                                                    unsigned mode) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return errno_status("cannot create", path);
    // The umask must not widen or narrow what the caller asked for (keys are 0600).
    if (::fchmod(fd, mode) != 0) {
      Status s = errno_status("cannot set permissions of", path);
      ::close(fd);
      return s;
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
  }
  Result<std::unique_ptr<ReadableFile>> open_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return not_found(fmt::format("{} does not exist", path));
      return errno_status("cannot open", path);
    }
    return std::unique_ptr<ReadableFile>(new PosixReadableFile(fd, path));
  }
  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return errno_status("cannot rename", from);
    return Status::ok();
  }
  Status sync_dir(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_status("cannot open directory", path);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return errno_status("cannot fsync directory", path);
    return Status::ok();
  }
  Status remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_status("cannot remove", path);
    return Status::ok();
  }
  Result<bool> exists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT) return false;
    return errno_status("cannot stat", path);
  }
  Result<uint64_t> file_size(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errno_status("cannot stat", path);
    return static_cast<uint64_t>(st.st_size);
  }
  Result<std::vector<std::string>> list_dir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return errno_status("cannot list", path);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
      const std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(dir);
    return names;
  }
  std::shared_ptr<rocksdb::FileSystem> rocksdb_file_system() override {
    return rocksdb::FileSystem::Default();
  }
};

// --- fault injection -------------------------------------------------------------------------

using Faults = FaultInjectingFileSystem::Faults;

rocksdb::IOStatus injected(std::string_view what) {
  return rocksdb::IOStatus::IOError(fmt::format("injected {} failure", what));
}

class FaultyRocksFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyRocksFile(std::unique_ptr<rocksdb::FSWritableFile> f, std::shared_ptr<Faults> faults)
      : FSWritableFileOwnerWrapper(std::move(f)), faults_(std::move(faults)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* d) override {
    if (faults_->fail_writes) return injected("write");
    return FSWritableFileOwnerWrapper::Append(data, o, d);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& v,
                           rocksdb::IODebugContext* d) override {
    if (faults_->fail_writes) return injected("write");
    return FSWritableFileOwnerWrapper::Append(data, o, v, d);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* d) override {
    if (faults_->fail_writes) return injected("write");
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, o, d);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    if (faults_->sync_fails()) return injected("sync");
    return FSWritableFileOwnerWrapper::Sync(o, d);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    if (faults_->sync_fails()) return injected("sync");
    return FSWritableFileOwnerWrapper::Fsync(o, d);
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t n, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* d) override {
    if (faults_->fail_syncs) return injected("sync");
    return FSWritableFileOwnerWrapper::RangeSync(offset, n, o, d);
  }

 private:
  std::shared_ptr<Faults> faults_;
};

class FaultyRocksFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultyRocksFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base,
                        std::shared_ptr<Faults> faults)
      : FileSystemWrapper(base), faults_(std::move(faults)) {}
  const char* Name() const override { return "GaplogFaultInjecting"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* d) override {
    return wrap(target()->NewWritableFile(f, o, r, d), r);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* d) override {
    return wrap(target()->ReopenWritableFile(f, o, r, d), r);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* d) override {
    return wrap(target()->ReuseWritableFile(f, old, o, r, d), r);
  }

 private:
  rocksdb::IOStatus wrap(rocksdb::IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (s.ok()) *r = std::make_unique<FaultyRocksFile>(std::move(*r), faults_);
    return s;
  }
  std::shared_ptr<Faults> faults_;
};

class FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(std::unique_ptr<WritableFile> f, std::shared_ptr<Faults> faults)
      : f_(std::move(f)), faults_(std::move(faults)) {}
  Status append(std::string_view bytes) override {
    if (faults_->fail_writes) return io_error("injected write failure");
    return f_->append(bytes);
  }
  Status sync() override {
    if (faults_->sync_fails()) return io_error("injected sync failure");
    return f_->sync();
  }
  Status close() override { return f_->close(); }

 private:
  std::unique_ptr<WritableFile> f_;
  std::shared_ptr<Faults> faults_;
};

}  // namespace

bool FaultInjectingFileSystem::Faults::sync_fails() {
  if (const int64_t us = sync_delay_us.load(); us > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  }
  if (fail_syncs) return true;
  ++syncs;
  return false;
}

std::unique_ptr<FileSystem> make_posix_file_system() { return std::make_unique<PosixFileSystem>(); }

Result<std::string> read_whole_file(FileSystem& fs, const std::string& path) {
  GAPLOG_ASSIGN_OR_RETURN(auto file, fs.open_file(path));
  std::string out;
  for (;;) {
    GAPLOG_ASSIGN_OR_RETURN(std::string chunk, file->read(1 << 16));
    if (chunk.empty()) return out;
    out += chunk;
  }
}

Status write_file_atomically(FileSystem& fs, const std::string& path, std::string_view bytes,
                             unsigned mode) {
  const std::string tmp = path + ".tmp";
  GAPLOG_RETURN_IF_ERROR(fs.remove(tmp));
  GAPLOG_ASSIGN_OR_RETURN(auto file, fs.create_file(tmp, mode));
  Status s = file->append(bytes);
  if (s.is_ok()) s = file->sync();
  if (s.is_ok()) s = file->close();
  if (s.is_ok()) s = fs.rename(tmp, path);
  if (!s.is_ok()) {
    fs.remove(tmp).ignore();
    return s;
  }
  return fs.sync_dir(std::filesystem::path(path).parent_path().string());
}

FaultInjectingFileSystem::FaultInjectingFileSystem(FileSystem& base)
    : base_(base),
      faults_(std::make_shared<Faults>()),
      rocks_(std::make_shared<FaultyRocksFileSystem>(base.rocksdb_file_system(), faults_)) {}
FaultInjectingFileSystem::~FaultInjectingFileSystem() = default;

Status FaultInjectingFileSystem::create_dirs(const std::string& p) { return base_.create_dirs(p); }
Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::create_file(const std::string& p,
                                                                            unsigned mode) {
  GAPLOG_ASSIGN_OR_RETURN(auto f, base_.create_file(p, mode));
  return std::unique_ptr<WritableFile>(new FaultyWritableFile(std::move(f), faults_));
}
Result<std::unique_ptr<ReadableFile>> FaultInjectingFileSystem::open_file(const std::string& p) {
  return base_.open_file(p);
}
Status FaultInjectingFileSystem::rename(const std::string& a, const std::string& b) {
  if (faults_->fail_writes) return io_error("injected rename failure");
  return base_.rename(a, b);
}
Status FaultInjectingFileSystem::sync_dir(const std::string& p) {
  if (faults_->fail_syncs) return io_error("injected directory sync failure");
  return base_.sync_dir(p);
}
Status FaultInjectingFileSystem::remove(const std::string& p) { return base_.remove(p); }
Result<bool> FaultInjectingFileSystem::exists(const std::string& p) { return base_.exists(p); }
Result<uint64_t> FaultInjectingFileSystem::file_size(const std::string& p) {
  return base_.file_size(p);
}
Result<std::vector<std::string>> FaultInjectingFileSystem::list_dir(const std::string& p) {
  return base_.list_dir(p);
}
std::shared_ptr<rocksdb::FileSystem> FaultInjectingFileSystem::rocksdb_file_system() {
  return rocks_;
}

}  // namespace gaplog
