#include "store/blob_store.h"

#include <fmt/format.h>

#include "domain/hex.h"
#include "store/event_log.h"

namespace gaplog {
namespace {

class BlobUpload final : public BlobStore::Upload {
 public:
  BlobUpload(FileSystem& fs, std::string dir, std::string tmp, std::unique_ptr<WritableFile> file,
             uint64_t max_bytes)
      : fs_(fs),
        dir_(std::move(dir)),
        tmp_(std::move(tmp)),
        file_(std::move(file)),
        max_bytes_(max_bytes) {}
  ~BlobUpload() override {
    if (file_) file_->close().ignore();
    if (!finished_) fs_.remove(tmp_).ignore();
  }

  Status append(std::string_view bytes) override {
    if (dead_) return internal_error("append to an upload that already failed");
    if (bytes.size() > max_bytes_ - size_) {
      dead_ = true;
      return too_large(
          fmt::format("evidence is larger than the limit of {} bytes; split it or ask "
                      "an admin to raise --max-evidence-bytes",
                      max_bytes_));
    }
    size_ += bytes.size();
    hasher_.update(bytes);
    Status s = file_->append(bytes);
    if (!s.is_ok()) dead_ = true;
    return s;
  }

  Result<BlobInfo> finish() override {
    if (dead_ || finished_) return internal_error("finish of an upload that failed or finished");
    dead_ = true;
    GAPLOG_RETURN_IF_ERROR(file_->sync());
    GAPLOG_RETURN_IF_ERROR(file_->close());
    file_.reset();
    BlobInfo info{hash_hex(hasher_.finish()), size_};
    const std::string shard = dir_ + "/" + info.sha256.substr(0, 2);
    const std::string final_path = shard + "/" + info.sha256;
    GAPLOG_ASSIGN_OR_RETURN(bool present, fs_.exists(final_path));
    if (present) return info;  // same bytes stored once; the destructor drops the temp file
    GAPLOG_ASSIGN_OR_RETURN(bool shard_exists, fs_.exists(shard));
    if (!shard_exists) {
      GAPLOG_RETURN_IF_ERROR(fs_.create_dirs(shard));
      GAPLOG_RETURN_IF_ERROR(fs_.sync_dir(dir_));
    }
    GAPLOG_RETURN_IF_ERROR(fs_.rename(tmp_, final_path));
    finished_ = true;
    GAPLOG_RETURN_IF_ERROR(fs_.sync_dir(shard));
    GAPLOG_RETURN_IF_ERROR(fs_.sync_dir(dir_ + "/tmp"));
    return info;
  }

 private:
  FileSystem& fs_;
  std::string dir_, tmp_;
  std::unique_ptr<WritableFile> file_;
  uint64_t max_bytes_;
  uint64_t size_ = 0;
  Sha256 hasher_;
  bool dead_ = false;
  bool finished_ = false;
};

class BlobReader final : public BlobStore::Reader {
 public:
  BlobReader(std::unique_ptr<ReadableFile> file, std::string expected, uint64_t size)
      : file_(std::move(file)), expected_(std::move(expected)), size_(size) {}
  Result<std::string> read(size_t max) override {
    GAPLOG_ASSIGN_OR_RETURN(std::string chunk, file_->read(max));
    if (!chunk.empty()) {
      hasher_.update(chunk);
      return chunk;
    }
    if (hash_hex(hasher_.finish()) != expected_) {
      return corruption(
          fmt::format("evidence blob {} no longer matches its SHA-256: it was changed "
                      "on disk; restore it from a backup",
                      expected_));
    }
    return chunk;
  }
  uint64_t size() const override { return size_; }

 private:
  std::unique_ptr<ReadableFile> file_;
  std::string expected_;
  uint64_t size_;
  Sha256 hasher_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> BlobStore::open(FileSystem& fs, std::string dir,
                                                   uint64_t max_blob_bytes) {
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir + "/tmp"));
  return std::unique_ptr<BlobStore>(new BlobStore(fs, std::move(dir), max_blob_bytes));
}

Result<std::string> BlobStore::path_of(std::string_view sha256_hex) const {
  if (sha256_hex.size() != 64 || !parse_hash_hex(sha256_hex)) {
    return invalid_argument("a SHA-256 is 64 hex digits");
  }
  std::string lower = to_hex(*from_hex(sha256_hex));
  return dir_ + "/" + lower.substr(0, 2) + "/" + lower;
}

Result<std::unique_ptr<BlobStore::Upload>> BlobStore::begin_upload() {
  const std::string tmp = dir_ + "/tmp/upload-" + to_string(random_uuid());
  GAPLOG_ASSIGN_OR_RETURN(auto file, fs_.create_file(tmp, 0640));
  return std::unique_ptr<Upload>(new BlobUpload(fs_, dir_, tmp, std::move(file), max_bytes_));
}

Result<BlobInfo> BlobStore::put(std::string_view bytes) {
  GAPLOG_ASSIGN_OR_RETURN(auto upload, begin_upload());
  GAPLOG_RETURN_IF_ERROR(upload->append(bytes));
  return upload->finish();
}

Result<std::unique_ptr<BlobStore::Reader>> BlobStore::open_blob(std::string_view sha256_hex) {
  GAPLOG_ASSIGN_OR_RETURN(std::string path, path_of(sha256_hex));
  auto file = fs_.open_file(path);
  if (!file) {
    if (file.status().code() == Code::kNotFound) {
      return not_found(fmt::format("no evidence with SHA-256 {} is stored", sha256_hex));
    }
    return file.status();
  }
  GAPLOG_ASSIGN_OR_RETURN(uint64_t size, fs_.file_size(path));
  return std::unique_ptr<Reader>(
      new BlobReader(std::move(*file), to_hex(*from_hex(sha256_hex)), size));
}

Result<std::string> BlobStore::get(std::string_view sha256_hex) {
  GAPLOG_ASSIGN_OR_RETURN(auto reader, open_blob(sha256_hex));
  std::string out;
  for (;;) {
    GAPLOG_ASSIGN_OR_RETURN(std::string chunk, reader->read(1 << 20));
    if (chunk.empty()) return out;
    out += chunk;
  }
}

Status BlobStore::check(std::string_view sha256_hex) {
  GAPLOG_ASSIGN_OR_RETURN(auto reader, open_blob(sha256_hex));
  for (;;) {
    GAPLOG_ASSIGN_OR_RETURN(std::string chunk, reader->read(1 << 20));
    if (chunk.empty()) return Status::ok();
  }
}

Result<bool> BlobStore::contains(std::string_view sha256_hex) {
  GAPLOG_ASSIGN_OR_RETURN(std::string path, path_of(sha256_hex));
  return fs_.exists(path);
}

}  // namespace gaplog
